/**
 * The image half of the "cli" tier: drives the Image service of a fresh cloud with the
 * official `openstack` CLI and the legacy `glance` CLI, and checks real behaviour —
 * uploads read back byte for byte with the right checksum, sizes and properties,
 * sharing shows up in the other project's listing, and what must be refused (deleting
 * a protected image, downloading a deactivated one, uploads whose content is unsafe
 * or does not match disk_format) is refused. Cases run in order and build on each other.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cloud } from '../lib/cloud.js';
import { GlanceCli } from './glance.js';
import { makeQcow2, qcow2Image, rawBytes } from './image-files.js';
import { CaseRecorder, type CaseTotals, check, checkEqual, OpenStackCli, type OsOptions } from './osc.js';

type Row = Record<string, unknown>;

const QCOW2 = 'cli-img-qcow2';
const RENAMED = 'cli-img-qcow2-renamed';
const PRIVATE = 'cli-img-raw';
const SHARED = 'cli-img-shared';
const GLANCE = 'cli-img-glance';
const BACKING = 'cli-img-backing-file';
const MISLABELLED = 'cli-img-raw-as-qcow2';
const VIRTUAL_SIZE = 1024 * 1024;

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer): string => createHash('sha512').update(b).digest('hex');

function str(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function props(image: Row): Row {
  const p = image.properties;
  return p !== null && typeof p === 'object' ? (p as Row) : {};
}

/** Runs every case against `cloud`; prints one line per failing case. Temp files go in a dir removed at the end. */
export async function runImageCli(cloud: Cloud, opts: { verbose: boolean }): Promise<CaseTotals> {
  const tmp = mkdtempSync(join(tmpdir(), 'stratus-cli-image-'));
  try {
    return await imageCases(cloud, opts.verbose, tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function imageCases(cloud: Cloud, verbose: boolean, tmp: string): Promise<CaseTotals> {
  const os = new OpenStackCli(cloud);
  const rec = new CaseRecorder(verbose);
  const admin = cloud.clouds.stratus;
  const demo = cloud.clouds['stratus-demo'];
  check(admin !== undefined && demo !== undefined, 'clouds.yaml lacks stratus / stratus-demo');
  const glance = new GlanceCli(admin);
  const demoOpt: OsOptions = { cloud: 'stratus-demo' };
  const ids: Record<string, string> = {};
  const id = (key: string): string => ids[key] ?? `missing-${key}`;

  // --- the files ----------------------------------------------------------------------
  const path = (name: string): string => join(tmp, name);
  let saves = 0;
  const outFile = (): string => path(`saved-${++saves}`);
  const qcow2 = await makeQcow2(path('disk.qcow2'), VIRTUAL_SIZE);
  const raw = rawBytes(3 * 65536 + 1234, 1);
  const shared = rawBytes(65536, 2);
  const legacy = rawBytes(100_000, 3);
  const mislabelled = rawBytes(65536, 4);
  writeFileSync(path('disk.raw'), raw);
  writeFileSync(path('shared.raw'), shared);
  writeFileSync(path('glance.raw'), legacy);
  writeFileSync(path('backing.qcow2'), qcow2Image({ virtualSize: VIRTUAL_SIZE, backingFile: '/etc/passwd' }));
  writeFileSync(path('mislabelled.qcow2'), mislabelled);
  if (verbose) process.stdout.write(`  (qcow2 made by ${qcow2.madeBy})\n`);

  /** `image save` to a fresh file; returns the bytes written. */
  const save = async (image: string, o?: OsOptions): Promise<Buffer> => {
    const out = outFile();
    await os.ok(['image', 'save', '--file', out, image], o);
    return readFileSync(out);
  };
  const listNames = async (o?: OsOptions, extra: string[] = []): Promise<string[]> =>
    (await os.json<Row[]>(['image', 'list', ...extra], o)).map((r) => String(r.Name));

  await rec.case('project ids of admin and demo (token issue)', async () => {
    ids.adminProject = String((await os.json(['token', 'issue'])).project_id);
    ids.demoProject = String((await os.json(['token', 'issue'], demoOpt)).project_id);
    check(ids.adminProject !== ids.demoProject, 'admin and demo share a project');
  });

  // --- create, show, list, save ---------------------------------------------------------
  await rec.case('image create --file (qcow2) --public --property', async () => {
    const img = await os.json(['image', 'create', '--file', path('disk.qcow2'), '--disk-format', 'qcow2', '--container-format', 'bare',
      '--public', '--property', 'cli_k=v1', '--property', 'cli_os=linux', QCOW2]);
    checkEqual([img.name, img.disk_format, img.container_format, img.visibility], [QCOW2, 'qcow2', 'bare', 'public'], 'name/formats/visibility');
    check(typeof img.id === 'string' && img.id.length > 0, `no id in ${str(img)}`);
    ids.qcow2 = img.id;
  });
  await rec.case('image show: status, size, checksum, virtual_size, properties', async () => {
    const img = await os.json(['image', 'show', id('qcow2')]);
    checkEqual([img.status, img.size, img.checksum, img.virtual_size, img.owner],
      ['active', qcow2.bytes.length, md5(qcow2.bytes), VIRTUAL_SIZE, ids.adminProject], 'status/size/checksum/virtual_size/owner');
    const p = props(img);
    checkEqual([p.cli_k, p.cli_os, p.os_hash_algo, p.os_hash_value], ['v1', 'linux', 'sha512', sha512(qcow2.bytes)], 'properties and os_hash_*');
    checkEqual(img.protected, false, 'protected');
  });
  await rec.case('image create --file (raw) --private --property', async () => {
    const img = await os.json(['image', 'create', '--file', path('disk.raw'), '--disk-format', 'raw', '--container-format', 'bare',
      '--private', '--property', 'cli_k=v2', PRIVATE]);
    ids.private = String(img.id);
    const shown = await os.json(['image', 'show', id('private')]);
    checkEqual([shown.status, shown.visibility, shown.size, shown.checksum, shown.virtual_size, props(shown).cli_k],
      ['active', 'private', raw.length, md5(raw), raw.length, 'v2'], 'status/visibility/size/checksum/virtual_size/cli_k');
  });
  await rec.case('image list: admin sees both, demo only the public one', async () => {
    const mine = await listNames();
    check(mine.includes(QCOW2) && mine.includes(PRIVATE), `admin list: ${str(mine)}`);
    const rows = await os.json<Row[]>(['image', 'list']);
    checkEqual(rows.find((r) => r.ID === ids.qcow2)?.Status, 'active', `status of ${QCOW2} in the list`);
    const theirs = await listNames(demoOpt);
    check(theirs.includes(QCOW2), `demo does not see the public image: ${str(theirs)}`);
    check(!theirs.includes(PRIVATE), `demo sees admin's private image: ${str(theirs)}`);
  });
  await rec.case('image list --long', async () => {
    const rows = await os.json<Row[]>(['image', 'list', '--long']);
    const row = rows.find((r) => r.ID === ids.qcow2);
    check(row !== undefined, `${QCOW2} not in ${str(rows)}`);
    checkEqual([row.Name, row['Disk Format'], row['Container Format'], row.Size, row.Checksum, row.Status, row.Visibility, row.Protected, row.Project],
      [QCOW2, 'qcow2', 'bare', qcow2.bytes.length, md5(qcow2.bytes), 'active', 'public', false, ids.adminProject], `--long row of ${QCOW2}`);
  });
  await rec.case('image list --property', async () => {
    checkEqual(await listNames(undefined, ['--property', 'cli_k=v1']), [QCOW2], 'images with cli_k=v1');
    checkEqual(await listNames(undefined, ['--property', 'cli_k=v2']), [PRIVATE], 'images with cli_k=v2');
  });
  await rec.case('image list --limit', async () => {
    const all = await listNames();
    check(all.length >= 2, `expected at least 2 images: ${str(all)}`);
    const one = await listNames(undefined, ['--limit', '1']);
    checkEqual(one.length, 1, 'rows with --limit 1');
    check(all.includes(String(one[0])), `${str(one)} is not one of ${str(all)}`);
  });
  await rec.case('image save --file: bytes equal the upload', async () => {
    check((await save(id('qcow2'))).equals(qcow2.bytes), 'saved qcow2 differs from the uploaded file');
    check((await save(PRIVATE)).equals(raw), 'saved raw image differs from the uploaded file');
    check((await save(id('qcow2'), demoOpt)).equals(qcow2.bytes), 'demo saved different bytes of the public image');
  });

  // --- set ----------------------------------------------------------------------------
  await rec.case('image set --name --property', async () => {
    await os.ok(['image', 'set', '--name', RENAMED, '--property', 'cli_k=v1b', '--property', 'cli_new=n1', id('qcow2')]);
    const img = await os.json(['image', 'show', id('qcow2')]);
    const p = props(img);
    checkEqual([img.name, p.cli_k, p.cli_new, p.cli_os], [RENAMED, 'v1b', 'n1', 'linux'], 'name and properties after set');
    checkEqual([img.status, img.checksum], ['active', md5(qcow2.bytes)], 'status/checksum after set');
  });
  await rec.case('image set --protected; image delete is refused', async () => {
    await os.ok(['image', 'set', '--protected', id('qcow2')]);
    checkEqual((await os.json(['image', 'show', id('qcow2')])).protected, true, 'protected after --protected');
    const r = await os.fails(['image', 'delete', id('qcow2')]);
    check(/403|forbidden|protected/i.test(r.stderr), `expected a 403: ${r.stderr.trim()}`, r);
    checkEqual((await os.json(['image', 'show', id('qcow2')])).status, 'active', 'status after the refused delete');
  });
  await rec.case('image set --unprotected', async () => {
    await os.ok(['image', 'set', '--unprotected', id('qcow2')]);
    checkEqual((await os.json(['image', 'show', id('qcow2')])).protected, false, 'protected after --unprotected');
  });
  await rec.case('image set --deactivate: download refused for demo, allowed for admin', async () => {
    await os.ok(['image', 'set', '--deactivate', id('qcow2')]);
    checkEqual((await os.json(['image', 'show', id('qcow2')])).status, 'deactivated', 'status after --deactivate');
    const out = outFile();
    const r = await os.fails(['image', 'save', '--file', out, id('qcow2')], demoOpt);
    // openstacksdk 0.101 does not raise on an error status here: it writes the error
    // page into the file and then fails the checksum comparison.
    const got = existsSync(out) ? readFileSync(out) : Buffer.alloc(0);
    check(!got.equals(qcow2.bytes), 'demo downloaded the deactivated image', r);
    check(/403/.test(r.stderr + got.toString('latin1')), `expected a 403, stderr: ${r.stderr.trim()}`, r);
    check((await save(id('qcow2'))).equals(qcow2.bytes), 'admin could not download the deactivated image');
  });
  await rec.case('image set --activate: demo can download again', async () => {
    await os.ok(['image', 'set', '--activate', id('qcow2')]);
    checkEqual((await os.json(['image', 'show', id('qcow2')])).status, 'active', 'status after --activate');
    check((await save(id('qcow2'), demoOpt)).equals(qcow2.bytes), 'demo saved different bytes after --activate');
  });

  // --- sharing --------------------------------------------------------------------------
  await rec.case('image create --shared', async () => {
    const img = await os.json(['image', 'create', '--file', path('shared.raw'), '--disk-format', 'raw', '--container-format', 'bare', '--shared', SHARED]);
    ids.shared = String(img.id);
    const shown = await os.json(['image', 'show', id('shared')]);
    checkEqual([shown.visibility, shown.status, shown.checksum], ['shared', 'active', md5(shared)], 'visibility/status/checksum');
    check(!(await listNames(demoOpt)).includes(SHARED), 'demo lists the shared image before being a member');
  });
  await rec.case('image add project IMAGE demo; image member list', async () => {
    const m = await os.json(['image', 'add', 'project', id('shared'), 'demo']);
    checkEqual([m.image_id, m.member_id, m.status], [ids.shared, ids.demoProject, 'pending'], 'image_id/member_id/status');
    const rows = await os.json<Row[]>(['image', 'member', 'list', id('shared')]);
    checkEqual(rows.map((r) => [r['Image ID'], r['Member ID'], r.Status]), [[ids.shared, ids.demoProject, 'pending']], 'members');
    check(!(await listNames(demoOpt)).includes(SHARED), 'a pending member lists the image');
  });
  await rec.case('image set --accept (as demo): the image is in demo\'s list', async () => {
    await os.ok(['image', 'set', '--accept', id('shared')], demoOpt);
    const rows = await os.json<Row[]>(['image', 'member', 'list', id('shared')]);
    checkEqual(rows.map((r) => [r['Member ID'], r.Status]), [[ids.demoProject, 'accepted']], 'members after accept');
    check((await listNames(demoOpt)).includes(SHARED), 'demo does not list the accepted image');
    check((await save(id('shared'), demoOpt)).equals(shared), 'demo saved different bytes of the shared image');
  });
  await rec.case('image remove project: the image leaves demo\'s list', async () => {
    await os.ok(['image', 'remove', 'project', id('shared'), 'demo']);
    checkEqual(await os.json<Row[]>(['image', 'member', 'list', id('shared')]), [], 'members after remove');
    check(!(await listNames(demoOpt)).includes(SHARED), 'demo still lists the image');
    await os.fails(['image', 'show', id('shared')], demoOpt);
  });

  // --- the legacy glance CLI ------------------------------------------------------------
  await rec.case('glance image-create --file', async () => {
    const r = await glance.ok(['image-create', '--name', GLANCE, '--disk-format', 'raw', '--container-format', 'bare', '--file', path('glance.raw')]);
    const p = GlanceCli.properties(r);
    checkEqual([p.name, p.status, p.size, p.checksum, p.disk_format, p.os_hash_value],
      [GLANCE, 'active', String(legacy.length), md5(legacy), 'raw', sha512(legacy)], 'name/status/size/checksum/disk_format/os_hash_value', r);
    ids.glance = p.id ?? '';
  });
  await rec.case('glance image-list', async () => {
    const r = await glance.ok(['image-list']);
    const row = GlanceCli.rows(r).find((x) => x.ID === ids.glance);
    checkEqual(row?.Name, GLANCE, `name of ${id('glance')} in image-list`, r);
  });
  await rec.case('glance image-show', async () => {
    const r = await glance.ok(['image-show', id('glance')]);
    const p = GlanceCli.properties(r);
    checkEqual([p.id, p.name, p.status, p.size, p.checksum, p.visibility, p.owner],
      [ids.glance, GLANCE, 'active', String(legacy.length), md5(legacy), 'shared', ids.adminProject], 'id/name/status/size/checksum/visibility/owner', r);
  });
  await rec.case('glance image-download --file', async () => {
    const out = outFile();
    await glance.ok(['image-download', '--file', out, id('glance')]);
    check(readFileSync(out).equals(legacy), 'downloaded bytes differ from the upload');
  });
  await rec.case('glance image-update --property', async () => {
    const r = await glance.ok(['image-update', '--property', 'cli_glance=g1', id('glance')]);
    checkEqual(GlanceCli.properties(r).cli_glance, 'g1', 'cli_glance in the update output', r);
    checkEqual(GlanceCli.properties(await glance.ok(['image-show', id('glance')])).cli_glance, 'g1', 'cli_glance in image-show');
    checkEqual(props(await os.json(['image', 'show', id('glance')])).cli_glance, 'g1', 'cli_glance seen by openstack image show');
  });
  await rec.case('glance image-delete', async () => {
    await glance.ok(['image-delete', id('glance')]);
    await glance.fails(['image-show', id('glance')]);
    await os.fails(['image', 'show', id('glance')]);
  });

  // --- uploads that must be refused -----------------------------------------------------
  /** Checks the refused upload left `imageId` queued, with no data. */
  const checkQueuedEmpty = async (imageId: string): Promise<void> => {
    const img = await os.json(['image', 'show', imageId]);
    checkEqual([img.status, img.size ?? null, img.checksum ?? null, img.virtual_size ?? null], ['queued', null, null, null], 'status/size/checksum/virtual_size');
    check(!('os_hash_value' in props(img)) || props(img).os_hash_value === null, `os_hash_value set: ${str(props(img).os_hash_value)}`);
  };
  const refused = async (label: string, name: string, file: string, message: RegExp): Promise<void> => {
    await rec.case(`image create --file: ${label} is refused (400)`, async () => {
      const r = await os.fails(['image', 'create', '--file', path(file), '--disk-format', 'qcow2', '--container-format', 'bare', name]);
      check(/\b400\b/.test(r.stderr) && message.test(r.stderr), `expected a 400 matching ${String(message)}: ${r.stderr.trim()}`, r);
      // openstacksdk deletes the image it made when the upload fails.
      check(!(await listNames()).includes(name), `${name} is left behind after the failed create`);
    });
    await rec.case(`glance image-create --file: ${label} leaves the image queued without data`, async () => {
      const r = await glance.fails(['image-create', '--name', `${name}-glance`, '--disk-format', 'qcow2', '--container-format', 'bare', '--file', path(file)]);
      check(/\b400\b/.test(r.stderr) && message.test(r.stderr), `expected a 400 matching ${String(message)}: ${r.stderr.trim()}`, r);
      const rows = await os.json<Row[]>(['image', 'list', '--name', `${name}-glance`]);
      checkEqual(rows.length, 1, `images named ${name}-glance`);
      const imageId = String(rows[0]?.ID);
      await checkQueuedEmpty(imageId);
      await os.ok(['image', 'delete', imageId]);
      await os.fails(['image', 'show', imageId]);
    });
  };
  await refused('a qcow2 naming a backing file', BACKING, 'backing.qcow2', /safety/i);
  await refused('raw bytes labelled qcow2', MISLABELLED, 'mislabelled.qcow2', /does not match/i);

  // --- delete -------------------------------------------------------------------------
  await rec.case('image delete; image show says not found', async () => {
    await os.ok(['image', 'delete', id('qcow2'), id('private'), id('shared')]);
    for (const key of ['qcow2', 'private', 'shared']) {
      const r = await os.fails(['image', 'show', id(key)]);
      check(/not found|no image|404/i.test(r.stderr), `expected "not found": ${r.stderr.trim()}`, r);
    }
    const left = await listNames();
    check(![RENAMED, PRIVATE, SHARED].some((n) => left.includes(n)), `deleted images still listed: ${str(left)}`);
  });

  return rec.totals;
}
