import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  baseId,
  oneLineReason,
  parseCsv,
  parseSubunitCsv,
  parseSubunitV1,
  parseTestList,
  summarize,
} from '../tempest/results.js';

// Both fixtures come from one synthetic subunit v2 stream, converted by Debian's
// subunit2csv and subunit-2to1 (Debian subunit 1.4).
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const csvText = fixture('tempest-sample.csv').toString('utf8');
const v1 = fixture('tempest-sample.v1');

const USERS = 'tempest.api.identity.admin.v3.test_users.UsersV3TestJSON.test_update_user_password[id-2d223a0e-e457-4a70-9fb1-febe027a0ff9]';
const TOKEN = 'tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token[id-6f8e4436-fc96-4282-8122-e41df57197a9,smoke]';
const CASCADE = 'tempest.api.identity.admin.v3.test_domains.DomainsTestJSON.test_domain_delete_cascade[id-d8d318b7-d1b3-4c37-94c5-3c5ba0b121ea]';
const OAUTH = 'tempest.api.identity.admin.v3.test_oauth_consumers.OAUTHConsumersV3Test.test_create_and_show_consumer[id-c8307ea6-a86c-47fd-ae7b-5b3b2caca76d]';
const TRUST = 'tempest.api.identity.admin.v3.test_trusts.TrustsV3TestJSON.test_get_trusts_all[id-4773ebd5-ecbf-4255-b8d8-b63e6f72b65d]';
const MISSING = 'tempest.api.identity.v3.test_users.IdentityV3UsersTest.test_user_update_own_password[id-ad71bd23-12ad-426b-bb8b-195d2b635f27]';

describe('parseCsv', () => {
  it('handles quoted fields with commas, doubled quotes and CRLF', () => {
    expect(parseCsv('a,b\r\n"x,y","say ""hi"""\r\n')).toEqual([
      ['a', 'b'],
      ['x,y', 'say "hi"'],
    ]);
  });
});

describe('parseSubunitCsv', () => {
  it('reads every row of subunit2csv output, including ids with commas', () => {
    const rows = parseSubunitCsv(csvText);
    expect(rows).toHaveLength(6);
    expect(rows.find((r) => r.test === TOKEN)?.status).toBe('success');
    expect(rows.find((r) => r.test === USERS)?.status).toBe('failure');
  });
});

describe('parseSubunitV1', () => {
  const outcomes = parseSubunitV1(v1);

  it('keeps skip reasons exactly (chunk lengths are bytes)', () => {
    expect(outcomes.get(CASCADE)?.details.reason).toBe('Domain cascade delete not supported, "really"');
  });

  it('keeps tracebacks, including non-ASCII text', () => {
    const tb = outcomes.get(USERS)?.details.traceback ?? '';
    expect(tb).toContain('tempest.lib.exceptions.NotFound: Object not found');
    expect(tb).toContain('Could not find user: ü');
  });

  it('records fixtures under their own ids', () => {
    expect(outcomes.get('setUpClass (tempest.api.identity.admin.v3.test_oauth_consumers.OAUTHConsumersV3Test)')?.status).toBe('skip');
  });
});

describe('oneLineReason', () => {
  it('takes the final exception line and Tempest\'s Details line', () => {
    const tb = 'Traceback (most recent call last):\n  File "a", line 1\nValueError: inner\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File "b"\ntempest.lib.exceptions.Conflict: Conflict\nDetails: {\'code\': 409}\n';
    expect(oneLineReason(tb)).toBe("tempest.lib.exceptions.Conflict: Conflict Details: {'code': 409}");
  });
});

describe('summarize', () => {
  const s = summarize([USERS, TOKEN, CASCADE, OAUTH, TRUST, MISSING], parseSubunitCsv(csvText), parseSubunitV1(v1));
  const byId = new Map(s.tests.map((t) => [t.id, t]));

  it('counts per selected test id plus failing class teardowns', () => {
    expect([s.passed, s.failed, s.skipped]).toEqual([1, 4, 2]);
  });

  it('gives failures a one-line reason', () => {
    expect(byId.get(USERS)?.reason).toMatch(/^tempest\.lib\.exceptions\.NotFound: Object not found Details: /);
  });

  it('spreads setUpClass skips and failures over the class', () => {
    expect(byId.get(OAUTH)).toEqual({ id: OAUTH, status: 'skipped', reason: 'oauth1 extension not enabled.' });
    expect(byId.get(TRUST)?.status).toBe('failed');
    expect(byId.get(TRUST)?.reason).toContain('setUpClass failed: tempest.lib.exceptions.Unauthorized');
  });

  it('counts a selected test that reported nothing as failed', () => {
    expect(byId.get(MISSING)?.status).toBe('failed');
    expect(byId.get(MISSING)?.reason).toMatch(/did not run/);
  });

  it('counts a failing tearDownClass as its own failure', () => {
    expect(byId.get('tearDownClass (tempest.api.identity.v3.test_tokens.TokensV3Test)')?.status).toBe('failed');
  });

  it('without a selection, reports what ran', () => {
    const all = summarize([], parseSubunitCsv(csvText), parseSubunitV1(v1));
    expect(all.tests.map((t) => t.id)).toContain(TOKEN);
  });
});

describe('parseTestList / baseId', () => {
  it('keeps only test ids from tempest run --list-tests', () => {
    expect(parseTestList(`\n${TOKEN}\nsome log line\n${USERS}\n`)).toEqual([TOKEN, USERS]);
  });
  it('strips the attribute list', () => {
    expect(baseId(TOKEN)).toBe('tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token');
  });
});
