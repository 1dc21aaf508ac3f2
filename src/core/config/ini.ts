/**
 * The INI dialect oslo.config reads (oslo_config/iniparser.py), so an existing
 * nova.conf-style file parses the same way here:
 * - `[section]` headers; keys before any header are an error;
 * - `key = value` or `key: value` (whichever separator comes first); key and value
 *   trimmed; a value wrapped in matching quotes loses them;
 * - lines starting with `#` or `;` are comments, blank lines are ignored;
 * - an indented line continues the previous value, joined with a newline; a blank
 *   line ends the value (an indented `#` line right after a key is value text, as in oslo);
 * - a repeated key keeps the last value; a repeated section adds to the first.
 */
import { IniParseError } from './errors.js';

/** A value as written, with the line where its key appeared (for error messages). */
export interface IniValue {
  readonly value: string;
  readonly line: number;
}

export interface IniSection {
  /** Line of the section's first header. */
  readonly line: number;
  /** Keys in file order. Maps, not objects, so a key like `__proto__` is just a key. */
  readonly values: Map<string, IniValue>;
}

/** Sections in file order. */
export type IniDocument = Map<string, IniSection>;

interface Pending {
  key: string;
  line: number;
  parts: string[];
}

/**
 * Parses INI text. `file` only names the source in errors (`file:line: reason`).
 * Throws IniParseError on malformed input.
 */
export function parseIni(text: string, file: string): IniDocument {
  const doc: IniDocument = new Map();
  let section: IniSection | undefined;
  let pending: Pending | undefined;

  const flush = (): void => {
    if (pending && section) section.values.set(pending.key, { value: pending.parts.join('\n'), line: pending.line });
    pending = undefined;
  };

  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((rawLine, index) => {
    const lineNo = index + 1;
    const line = rawLine.trimEnd();
    if (line === '') {
      flush();
      return;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const content = line.trimStart();
      if (pending) pending.parts.push(content);
      else if (!isComment(content)) throw new IniParseError(file, lineNo, 'unexpected continuation line');
      return;
    }
    flush();
    if (isComment(line)) return;
    if (line.startsWith('[')) {
      section = openSection(doc, line, file, lineNo);
      return;
    }
    const [key, value] = splitAssignment(line, file, lineNo);
    if (!section) throw new IniParseError(file, lineNo, `option "${key}" appears before any [section] header`);
    pending = { key, line: lineNo, parts: [value] };
  });
  flush();
  return doc;
}

function isComment(line: string): boolean {
  return line.startsWith('#') || line.startsWith(';');
}

function openSection(doc: IniDocument, line: string, file: string, lineNo: number): IniSection {
  if (!line.endsWith(']')) throw new IniParseError(file, lineNo, `invalid section header ${JSON.stringify(line)}`);
  const name = line.slice(1, -1).trim();
  if (name === '') throw new IniParseError(file, lineNo, 'empty section name');
  let section = doc.get(name);
  if (!section) {
    section = { line: lineNo, values: new Map() };
    doc.set(name, section);
  }
  return section;
}

function splitAssignment(line: string, file: string, lineNo: number): [string, string] {
  const equal = line.indexOf('=');
  const colon = line.indexOf(':');
  if (equal < 0 && colon < 0) {
    throw new IniParseError(file, lineNo, `expected "key = value", got ${JSON.stringify(line)}`);
  }
  const at = colon < 0 || (equal >= 0 && equal < colon) ? equal : colon;
  const key = line.slice(0, at).trim();
  if (key === '') throw new IniParseError(file, lineNo, 'empty option name');
  let value = line.slice(at + 1).trim();
  if (value.length >= 2 && (value.startsWith('"') || value.startsWith("'")) && value.endsWith(value.charAt(0))) {
    value = value.slice(1, -1);
  }
  return [key, value];
}
