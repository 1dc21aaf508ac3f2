import { ApiError, BadRequestError, NotFoundError, UnauthorizedError } from '../../core/http/index.js';
import type { Queryable } from '../store/db.js';
import { getConsumerRow } from '../store/consumers.js';
import { getAccessToken } from '../store/oauth1-tokens.js';
import { storedTimeToDate } from '../timestamps.js';
import { checkTokenFormat, OAuth1RequestError, readOAuth1Request, signatureMatches, type OAuth1HttpRequest } from './oauth1-signature.js';
import type { AuthResult } from './token-service.js';

/** Keystone's OAuthHeadersMissingError: an UnexpectedError, so a 500 with the generic text. */
export const oauthHeadersMissing = (): ApiError =>
  new ApiError(500, 'Internal Server Error', 'An unexpected error prevented the server from fulfilling your request.');

/** Keystone's ValidationError(attribute, target). */
export const expectingIn = (attribute: string, target: string): BadRequestError =>
  new BadRequestError(`Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`);

/** Keystone's validate_oauth_params message for an oauthlib error. */
export const oauthValidationFailed = (e: OAuth1RequestError): BadRequestError =>
  new BadRequestError(`Validation failed with errors: ${e.error}, detail message is: ${e.description}.`);

/** The raw `oauth_*` parameters of the Authorization header (Keystone's get_oauth_headers). */
export function oauthHeaderParams(req: OAuth1HttpRequest): Map<string, string> {
  if (!req.authorization) throw oauthHeadersMissing();
  const raw = req.authorization.replace(/^oauth\s+/i, '');
  const params = new Map<string, string>();
  for (const item of raw.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) continue;
    params.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return params;
}

/**
 * The `oauth1` auth method (keystone/auth/plugins/oauth1.py): a request signed with a
 * consumer and an access token authenticates as the user who authorized the access
 * token, for the access token's project. Every signature problem is the same 401.
 */
export async function authenticateOauth1(db: Queryable, req: OAuth1HttpRequest, now: Date): Promise<AuthResult & { projectId: string }> {
  const accessTokenId = oauthHeaderParams(req).get('oauth_token');
  if (!accessTokenId) throw expectingIn('oauth_token', 'request');
  const access = await getAccessToken(db, accessTokenId);
  if (!access) throw new NotFoundError('Access token not found');
  if (access.expires_at && storedTimeToDate(access.expires_at) < now) throw new UnauthorizedError('Access token is expired');
  const cannotValidate = (): UnauthorizedError => new UnauthorizedError('Could not validate the access token');
  let params;
  try {
    params = readOAuth1Request(req, now.getTime() / 1000);
    checkTokenFormat(params, { verifier: false });
  } catch (e) {
    if (e instanceof OAuth1RequestError) throw cannotValidate();
    throw e;
  }
  const consumer = await getConsumerRow(db, params.consumerKey);
  // Stricter than Keystone, which never compares the two: the token's own consumer must sign.
  if (!consumer || consumer.id !== access.consumer_id || params.token !== access.id || !signatureMatches(req, params, consumer.secret, access.access_secret)) throw cannotValidate();
  return { userId: access.authorizing_user_id, methods: ['oauth1'], accessTokenId: access.id, projectId: access.project_id };
}
