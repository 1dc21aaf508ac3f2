export * from './errors.js';
export { createServiceApp, type ErrorRenderer, type ServiceAppOptions } from './app.js';
