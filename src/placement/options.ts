import { defineSchema, opt } from '../core/config/index.js';

/** The placement service's configuration. */
export const placementOptions = defineSchema({
  placement: {
    port: opt.port({ default: 8778, help: 'Port of the placement API (before the port offset).' }),
  },
});
