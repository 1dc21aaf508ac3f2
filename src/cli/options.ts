import { homedir } from 'node:os';
import { join } from 'node:path';
import { defineSchema, mergeSchemas, opt, type ConfigOf } from '../core/config/index.js';
import { identityOptions } from '../identity/options.js';
import { imageOptions } from '../image/options.js';
import { networkOptions } from '../network/options.js';
import { placementOptions } from '../placement/options.js';
import { computeOptions } from '../compute/options.js';

/** Options every process kind shares. */
export const commonOptions = defineSchema({
  DEFAULT: {
    data_dir: opt.str({ default: join(homedir(), '.stratus'), help: 'Where databases, keys and generated files live.' }),
    bind_host: opt.str({ default: '127.0.0.1', help: 'Address the APIs listen on.' }),
    public_host: opt.str({ help: 'Host name put in catalog URLs; defaults to bind_host.' }),
    port_offset: opt.int({ default: 0, min: 0, max: 60000, help: 'Added to every listening port.' }),
    region_name: opt.str({ default: 'RegionOne' }),
    host: opt.str({ help: 'Name of this host as agents report it (Nova and Neutron [DEFAULT] host); defaults to the machine\'s host name.' }),
    default_availability_zone: opt.str({ default: 'nova', help: 'Availability zone this host\'s agents report.' }),
    debug: opt.bool({ default: false }),
    log_file: opt.str({ help: 'Write logs here instead of standard error.' }),
  },
  database: {
    connection: opt.str({ help: 'sqlite:///dir, postgresql://... or mysql://...; defaults to SQLite files in data_dir.' }),
  },
  oslo_policy: {
    policy_file: opt.str({ help: 'policy.yaml with rule overrides; defaults to <data_dir>/policy.yaml when present.' }),
  },
  oslo_middleware: {
    max_request_body_size: opt.int({ default: 114688, min: 1024, help: 'Largest request body accepted, in bytes.' }),
  },
});

export const allInOneOptions = mergeSchemas(mergeSchemas(mergeSchemas(mergeSchemas(mergeSchemas(commonOptions, identityOptions), imageOptions), networkOptions), placementOptions), computeOptions);
export type AllInOneConfig = ConfigOf<typeof allInOneOptions>;
