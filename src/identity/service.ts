import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/log.js';
import type { PolicyEnforcer } from '../core/policy/index.js';
import { Authenticator } from './auth/authenticate.js';
import { PasswordHasher } from './auth/hasher.js';
import { PasswordRules } from './auth/passwords.js';
import { RevocationList } from './auth/revocation-list.js';
import { TokenService } from './auth/token-service.js';
import { CatalogBuilder } from './catalog.js';
import type { IdentityDb } from './store/db.js';
import type { IdentitySettings } from './settings.js';
import { FernetKeyRing, TokenFormatter } from './tokens/index.js';
import { enforcementModels, UnifiedLimits } from './unified-limits.js';

/**
 * Everything the identity API needs, wired once. Routes receive this object; nothing
 * in it reads configuration files or the environment.
 */
export class IdentityService {
  readonly hasher: PasswordHasher;
  readonly passwordRules: PasswordRules;
  readonly revocations: RevocationList;
  readonly tokens: TokenService;
  readonly authenticator: Authenticator;
  readonly catalog: CatalogBuilder;
  readonly limits: UnifiedLimits;

  constructor(
    readonly db: IdentityDb,
    readonly settings: IdentitySettings,
    readonly policy: PolicyEnforcer,
    readonly clock: Clock,
    readonly ids: IdGenerator,
    readonly log: Logger,
  ) {
    const now = (): Date => clock.now();
    this.hasher = new PasswordHasher(settings.scrypt);
    this.passwordRules = new PasswordRules(settings.securityCompliance, this.hasher, settings.maxPasswordLength);
    this.revocations = new RevocationList(db, now, settings.tokenExpirationSeconds * 1000);
    const formatter = new TokenFormatter(new FernetKeyRing(settings.fernetKeyRepository, now), now);
    this.tokens = new TokenService(db, formatter, this.revocations, clock, settings.tokenExpirationSeconds);
    this.authenticator = new Authenticator(db, this.hasher, this.passwordRules, this.tokens, clock);
    this.catalog = new CatalogBuilder(db);
    this.limits = new UnifiedLimits(db, ids, enforcementModels[settings.enforcementModel ?? 'flat']);
  }

  /** Called after every change to identity data: memoised tokens and catalog are stale. */
  changed(): void {
    this.tokens.invalidate();
    this.catalog.invalidate();
  }
}
