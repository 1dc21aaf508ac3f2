import { join } from 'node:path';
import { defineSchema, opt, type ConfigOf } from '../core/config/index.js';
import type { IdentitySettings } from './settings.js';

/** Identity's configuration groups, with Keystone's option names and defaults. */
export const identityOptions = defineSchema({
  identity: {
    port: opt.port({ default: 5000, help: 'Port of the identity API (before the port offset).' }),
    admin_password: opt.str({ help: 'Password of the bootstrap admin user; generated on first start when unset.', secret: true }),
    list_limit: opt.int({ min: 1, help: 'Maximum number of entities a list call returns.' }),
    max_password_length: opt.int({ default: 4096, min: 1 }),
    scrypt_n_bits: opt.int({ default: 14, min: 1, max: 20, help: 'scrypt cost: N = 2^n_bits.' }),
    scrypt_block_size: opt.int({ default: 8, min: 1 }),
    scrypt_parallelism: opt.int({ default: 1, min: 1 }),
  },
  token: {
    expiration: opt.int({ default: 3600, min: 1, help: 'Token lifetime in seconds.' }),
  },
  fernet_tokens: {
    key_repository: opt.str({ help: 'Directory of Fernet keys; defaults to <data_dir>/fernet-keys.' }),
    max_active_keys: opt.int({ default: 3, min: 1 }),
  },
  security_compliance: {
    lockout_failure_attempts: opt.int({ min: 1 }),
    lockout_duration: opt.int({ default: 1800, min: 1 }),
    unique_last_password_count: opt.int({ default: 0, min: 0 }),
    minimum_password_age: opt.int({ default: 0, min: 0 }),
    password_expires_days: opt.int({ min: 0 }),
    password_regex: opt.str(),
    password_regex_description: opt.str(),
    change_password_upon_first_use: opt.bool({ default: false }),
    disable_user_account_days_inactive: opt.int({ min: 1 }),
  },
  unified_limit: {
    // Keystone also offers strict_two_level, which caps project trees at two levels;
    // Stratus implements only the flat model, so naming another fails at start.
    enforcement_model: opt.str({ choices: ['flat'], default: 'flat', help: 'How limits relate across the project hierarchy.' }),
  },
});

export type IdentityConfig = ConfigOf<typeof identityOptions>;

export function identitySettingsFrom(cfg: IdentityConfig, dataDir: string, publicEndpoint: string | null): IdentitySettings {
  const sc = cfg.security_compliance;
  if (sc.password_regex !== null) {
    try {
      new RegExp(sc.password_regex);
    } catch {
      throw new Error(`invalid value for option [security_compliance] password_regex: "${sc.password_regex}" is not a valid regular expression`);
    }
  }
  return {
    tokenExpirationSeconds: cfg.token.expiration,
    fernetKeyRepository: cfg.fernet_tokens.key_repository ?? join(dataDir, 'fernet-keys'),
    maxActiveKeys: cfg.fernet_tokens.max_active_keys,
    scrypt: { nBits: cfg.identity.scrypt_n_bits, r: cfg.identity.scrypt_block_size, p: cfg.identity.scrypt_parallelism },
    listLimit: cfg.identity.list_limit,
    maxPasswordLength: cfg.identity.max_password_length,
    publicEndpoint,
    enforcementModel: cfg.unified_limit.enforcement_model,
    securityCompliance: {
      lockoutFailureAttempts: sc.lockout_failure_attempts,
      lockoutDurationSeconds: sc.lockout_duration,
      uniqueLastPasswordCount: sc.unique_last_password_count,
      minimumPasswordAgeDays: sc.minimum_password_age,
      passwordExpiresDays: sc.password_expires_days,
      passwordRegex: sc.password_regex,
      passwordRegexDescription: sc.password_regex_description,
      changePasswordUponFirstUse: sc.change_password_upon_first_use,
      disableUserAccountDaysInactive: sc.disable_user_account_days_inactive,
    },
  };
}
