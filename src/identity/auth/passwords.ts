import { BadRequestError, UnauthorizedError } from '../../core/http/index.js';
import type { Queryable } from '../store/db.js';
import { parseJson } from '../store/db.js';
import { currentPassword, recentPasswords, type UserRow } from '../store/users.js';
import type { SecurityCompliance } from '../settings.js';
import type { PasswordHasher } from './hasher.js';

const DAY_MS = 86_400_000;

/** User options (Keystone's `options` on a user) that relax security compliance. */
export interface UserOptions {
  ignore_change_password_upon_first_use?: boolean;
  ignore_password_expiry?: boolean;
  ignore_lockout_failure_attempts?: boolean;
  lock_password?: boolean;
  multi_factor_auth_enabled?: boolean;
  multi_factor_auth_rules?: string[][];
}

export const USER_OPTION_NAMES: ReadonlyArray<keyof UserOptions> = [
  'ignore_change_password_upon_first_use', 'ignore_password_expiry', 'ignore_lockout_failure_attempts',
  'lock_password', 'multi_factor_auth_enabled', 'multi_factor_auth_rules',
];

export const userOptions = (user: UserRow): UserOptions => parseJson(user.options) as UserOptions;

/**
 * Keystone's [security_compliance] rules for passwords: strength (regex), history,
 * minimum age, expiry, and lockout after repeated failures, with its error messages.
 */
export class PasswordRules {
  constructor(
    private readonly rules: SecurityCompliance,
    private readonly hasher: PasswordHasher,
    private readonly maxLength: number,
  ) {}

  /** Rejects a new password that breaks the strength rules (400, Keystone's message). */
  checkStrength(password: unknown): asserts password is string {
    if (typeof password !== 'string') throw new BadRequestError("Invalid input for field 'password': must be a string.");
    if (password.length > this.maxLength) {
      throw new BadRequestError(`Invalid input for field 'password': '${password.slice(0, 8)}...' is too long.`);
    }
    if (this.rules.passwordRegex && !new RegExp(this.rules.passwordRegex).test(password)) {
      const detail = this.rules.passwordRegexDescription ?? 'Password does not match the required pattern.';
      throw new BadRequestError(`The password does not meet the requirements: ${detail}`);
    }
  }

  /** Expiry of a password set now: null unless password_expires_days is set. */
  expiresAt(now: Date, user: UserRow | undefined, selfService: boolean): string | null {
    const options = user ? userOptions(user) : {};
    if (options.ignore_password_expiry) return null;
    // change_password_upon_first_use: a password an admin sets has already expired.
    if (!selfService && this.rules.changePasswordUponFirstUse && !options.ignore_change_password_upon_first_use) {
      return now.toISOString();
    }
    if (!this.rules.passwordExpiresDays) return null;
    return new Date(now.getTime() + this.rules.passwordExpiresDays * DAY_MS).toISOString();
  }

  /** Rules that only apply when users change their own password. */
  async checkSelfServiceChange(db: Queryable, user: UserRow, newPassword: string, now: Date): Promise<void> {
    const options = userOptions(user);
    if (options.lock_password) {
      throw new BadRequestError(`You cannot change your password at this time due to password policy disallowing password changes. Please contact your administrator to reset your password.`);
    }
    const current = await currentPassword(db, user.id);
    const minDays = this.rules.minimumPasswordAgeDays;
    // An expired password may always be changed, whatever its age (Keystone does the same).
    const expired = current?.expires_at ? new Date(current.expires_at).getTime() <= now.getTime() : false;
    // Only a password the user chose is held for the minimum age; an admin reset is not.
    if (current && minDays > 0 && !expired && current.self_service === 1) {
      const usableFrom = new Date(current.created_at).getTime() + minDays * DAY_MS;
      if (now.getTime() < usableFrom) {
        const daysLeft = Math.ceil((usableFrom - now.getTime()) / DAY_MS);
        throw new BadRequestError(`You cannot change your password at this time due to the minimum password age. Once you change your password, it must be used for ${minDays} day(s) before it can be changed. Please try again in ${daysLeft} day(s) or contact your administrator to reset your password.`);
      }
    }
    await this.checkHistory(db, user.id, newPassword);
  }

  /**
   * unique_last_password_count: the new password must differ from the last N ones
   * (the current one included), as Keystone's `passwords[-unique_cnt:]` check does.
   */
  async checkHistory(db: Queryable, userId: string, newPassword: string): Promise<void> {
    const count = this.rules.uniqueLastPasswordCount;
    if (count <= 0) return;
    for (const old of await recentPasswords(db, userId, count)) {
      if (await this.hasher.verify(newPassword, old.hash)) {
        throw new BadRequestError(`The new password cannot be identical to a previous password. The total number which includes the new password must be unique is ${count}.`);
      }
    }
  }

  /** Throws the 401 Keystone gives a locked account, unless the user is exempt. */
  checkNotLocked(user: UserRow, now: Date): void {
    const attempts = this.rules.lockoutFailureAttempts;
    if (!attempts || userOptions(user).ignore_lockout_failure_attempts) return;
    if (user.failed_auth_count < attempts || !user.failed_auth_at) return;
    const duration = this.rules.lockoutDurationSeconds;
    const until = duration ? new Date(user.failed_auth_at).getTime() + duration * 1000 : Infinity;
    if (now.getTime() < until) {
      throw new UnauthorizedError(`The account is locked for user: ${user.id}.`);
    }
  }

  /** True when the lockout window has passed and the failure count should restart. */
  lockoutExpired(user: UserRow, now: Date): boolean {
    const duration = this.rules.lockoutDurationSeconds;
    if (!user.failed_auth_at || !duration) return false;
    return now.getTime() >= new Date(user.failed_auth_at).getTime() + duration * 1000;
  }

  /** Throws Keystone's 401 for an expired password, unless the user is exempt. */
  checkNotExpired(user: UserRow, expiresAt: string | null, now: Date): void {
    if (!expiresAt || userOptions(user).ignore_password_expiry) return;
    if (new Date(expiresAt).getTime() <= now.getTime()) {
      throw new UnauthorizedError(`The password is expired and needs to be changed for user: ${user.id}.`);
    }
  }
}
