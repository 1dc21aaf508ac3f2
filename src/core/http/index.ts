export * from './errors.js';
export { addJsonParser, createServiceApp, RenderedBody, type ErrorRenderer, type ServiceAppOptions } from './app.js';
