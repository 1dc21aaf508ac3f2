/**
 * The identity service's settings, already validated. The CLI fills them from
 * stratus.conf (Keystone's option names: [token] expiration, [fernet_tokens],
 * [security_compliance], ...), so nothing below reads files or the environment.
 */
export interface IdentitySettings {
  /** [token] expiration: token lifetime in seconds. */
  tokenExpirationSeconds: number;
  /** [fernet_tokens] key_repository and max_active_keys. */
  fernetKeyRepository: string;
  maxActiveKeys: number;
  /** [identity] password hash cost: scrypt N = 2^nBits, block size r, parallelism p. */
  scrypt: { nBits: number; r: number; p: number };
  /** [DEFAULT] list_limit / [identity] list_limit: cap on list sizes (null = no cap). */
  listLimit: number | null;
  /** [identity] max_password_length. */
  maxPasswordLength: number;
  securityCompliance: SecurityCompliance;
  /** [DEFAULT] public_endpoint: base URL used in links; derived from the request when unset. */
  publicEndpoint: string | null;
  /** [unified_limit] enforcement_model; Keystone's default `flat` when unset. */
  enforcementModel?: 'flat';
}

/** Keystone's [security_compliance] group; null / 0 disables a rule as it does there. */
export interface SecurityCompliance {
  lockoutFailureAttempts: number | null;
  lockoutDurationSeconds: number | null;
  uniqueLastPasswordCount: number;
  minimumPasswordAgeDays: number;
  passwordExpiresDays: number | null;
  passwordRegex: string | null;
  passwordRegexDescription: string | null;
  changePasswordUponFirstUse: boolean;
  disableUserAccountDaysInactive: number | null;
}

export const defaultSecurityCompliance: SecurityCompliance = {
  lockoutFailureAttempts: null,
  lockoutDurationSeconds: 1800,
  uniqueLastPasswordCount: 0,
  minimumPasswordAgeDays: 0,
  passwordExpiresDays: null,
  passwordRegex: null,
  passwordRegexDescription: null,
  changePasswordUponFirstUse: false,
  disableUserAccountDaysInactive: null,
};
