export * from './errors.js';
export { addJsonParser, createServiceApp, RenderedBody, type ServiceApiOptions, type ErrorRenderer, type ServiceAppOptions } from './app.js';
export { ApiVersion, useMicroversions, type MicroversionPolicy, type VersionedRouteConfig } from './microversion.js';
export { JsonApiClient, RemoteApiError, type TokenSource } from './json-client.js';
