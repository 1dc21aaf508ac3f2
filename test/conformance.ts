/**
 * `npm run conformance`: the whole Tempest API suite of every service in the catalog
 * of a fresh cloud, one line per service with passed/failed/skipped. A service appears
 * here as soon as it registers itself in the catalog. Then Tempest's scenario tests
 * against real QEMU guests on a second cloud (test/tempest/scenario.ts), one line too.
 */
import { failureLines, runTempest, skipLines, tempestUnavailable, withTempestCloud } from './tempest/run.js';
import { tempestWorkers } from './tempest/conf.js';
import { runScenario, scenarioLines } from './tempest/scenario.js';

/** Catalog service type -> the Tempest 33 module holding its API tests. */
const apiModules: Readonly<Record<string, string>> = {
  identity: 'tempest.api.identity',
  compute: 'tempest.api.compute',
  image: 'tempest.api.image',
  network: 'tempest.api.network',
  volumev3: 'tempest.api.volume',
  'block-storage': 'tempest.api.volume',
  'object-store': 'tempest.api.object_storage',
};

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<number> {
  const missing = await tempestUnavailable();
  if (missing) {
    say(`conformance: not run (${missing})`);
    return 1;
  }
  let failed = 0;
  await withTempestCloud('conformance', async (_cloud, ws) => {
    const modules = new Map<string, string>();
    for (const type of ws.services) {
      const mod = apiModules[type];
      if (mod && ![...modules.values()].includes(mod)) modules.set(type, mod);
      if (!mod) say(`conformance ${type}: no Tempest API module known for this service type`);
    }
    for (const [type, mod] of modules) {
      const r = await runTempest(ws, { regex: `^${mod.replace(/\./g, '\\.')}\\.` }, { label: type, concurrency: tempestWorkers(type) });
      for (const l of [...failureLines(r, 40), ...skipLines(r)]) say(l);
      say(`conformance ${type}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (${r.selected} tests; ${r.resultsDir})`);
      failed += r.failed;
    }
  });
  const scenario = await runScenario();
  for (const l of scenarioLines(scenario, 'conformance scenario')) say(l);
  if (!scenario.run || scenario.left.length > 0) failed++;
  else failed += scenario.run.failed;
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
