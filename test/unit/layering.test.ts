import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rules of ../shared/ARCHITECTURE.md, checked on every import:
 *  - core imports no service and no cli;
 *  - a service imports another service only through its contract/ folder;
 *  - store/ never imports api/; nothing but cli imports cli.
 * Tests and test fixtures (`*.test.ts`, `test-support.ts`) are exempt: a compute test
 * may stand up real network and image services to talk to.
 */
const SRC = resolve(import.meta.dirname, '../../src');

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* sourceFiles(full);
    else if (name.endsWith('.ts')) yield full;
  }
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    found.push(relative(SRC, resolve(dirname(file), m[1] as string)));
  }
  return found;
}

function violation(from: string, to: string): string | null {
  const [fromTop] = from.split('/');
  const [toTop, toSub] = to.split('/');
  if (toTop === 'cli' && fromTop !== 'cli') return 'only cli may import cli';
  if (fromTop === 'core' && toTop !== 'core') return 'core must not import services';
  if (fromTop !== 'core' && fromTop !== 'cli' && toTop !== 'core' && toTop !== fromTop && toSub !== 'contract') {
    return `services reach ${toTop} only through ${toTop}/contract`;
  }
  if (fromTop === toTop && from.includes('/store/') && to.includes('/api/')) return 'store must not import api';
  return null;
}

describe('layering', () => {
  it('every import follows the architecture rules', () => {
    const problems: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const from = relative(SRC, file);
      if (from.endsWith('.test.ts') || from.endsWith('/test-support.ts')) continue;
      for (const to of importsOf(file)) {
        const why = violation(from, to);
        if (why) problems.push(`${from} -> ${to}: ${why}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
