/**
 * The JSON schemas Glance serves under /v2/schemas/metadefs/ (Zed), which are also
 * the rules request bodies are validated against, so what a client reads is what the
 * server applies. Built the way glance/schema.py builds them: an item schema is
 * `{name, properties, additionalProperties: false, definitions?, required?}`; a
 * collection lifts the item's definitions to its own top level and adds the paging
 * links. Key order follows Glance's documents.
 */
type Doc = Record<string, unknown>;

const PROPERTY_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string', null];

const positiveIntegers = {
  positiveInteger: { type: 'integer', minimum: 0 },
  positiveIntegerDefault0: { allOf: [{ $ref: '#/definitions/positiveInteger' }, { default: 0 }] },
};

/** One property definition (Glance's PropertyType), as the namespace module states it. */
function propertyFields(): Doc {
  return {
    name: { type: 'string', maxLength: 80 },
    title: { type: 'string' },
    description: { type: 'string' },
    operators: { type: 'array', items: { type: 'string' } },
    type: { type: 'string', enum: PROPERTY_TYPES },
    required: { $ref: '#/definitions/stringArray' },
    minimum: { type: 'number' },
    maximum: { type: 'number' },
    maxLength: { $ref: '#/definitions/positiveInteger' },
    minLength: { $ref: '#/definitions/positiveIntegerDefault0' },
    pattern: { type: 'string', format: 'regex' },
    enum: { type: 'array' },
    readonly: { type: 'boolean' },
    default: {},
    items: { type: 'object', properties: { type: { type: 'string', enum: PROPERTY_TYPES }, enum: { type: 'array' } } },
    maxItems: { $ref: '#/definitions/positiveInteger' },
    minItems: { $ref: '#/definitions/positiveIntegerDefault0' },
    uniqueItems: { type: 'boolean', default: false },
    additionalItems: { type: 'boolean' },
  };
}

/** Definitions shared by the namespace and object schemas. */
function namespaceDefinitions(): Doc {
  return {
    ...positiveIntegers,
    stringArray: { type: 'array', items: { type: 'string' }, uniqueItems: true },
    property: { type: 'object', additionalProperties: { type: 'object', required: ['title', 'type'], properties: propertyFields() } },
  };
}

/** The property schema's own definitions: its string arrays must not be empty. */
function propertyDefinitions(): Doc {
  return { ...positiveIntegers, stringArray: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true } };
}

const readOnlyString = (): Doc => ({ readOnly: true, type: 'string' });
const timestamp = (description: string): Doc => ({ type: 'string', readOnly: true, description, format: 'date-time' });

function item(name: string, properties: Doc, extra: { definitions?: Doc; required?: string[] } = {}): Doc {
  const doc: Doc = { name, properties, additionalProperties: false };
  if (extra.definitions) doc['definitions'] = extra.definitions;
  if (extra.required?.length) doc['required'] = extra.required;
  return doc;
}

const LINKS = [
  { rel: 'first', href: '{first}' },
  { rel: 'next', href: '{next}' },
  { rel: 'describedby', href: '{schema}' },
];

/** A list collection (CollectionSchema) or, for properties, a map (DictCollectionSchema). */
function collection(name: string, itemDoc: Doc, shape: 'array' | 'object' = 'array'): Doc {
  const { definitions, ...inner } = itemDoc;
  const holder = shape === 'array' ? { type: 'array', items: inner } : { type: 'object', additionalProperties: inner };
  const doc: Doc = {
    name,
    properties: { [name]: holder, first: { type: 'string' }, next: { type: 'string' }, schema: { type: 'string' } },
    links: LINKS,
  };
  if (definitions) doc['definitions'] = definitions;
  return doc;
}

export function namespaceSchema(): Doc {
  return item('namespace', {
    namespace: { type: 'string', description: 'The unique namespace text.', maxLength: 80 },
    display_name: { type: 'string', description: 'The user friendly name for the namespace. Used by UI if available.', maxLength: 80 },
    description: { type: 'string', description: 'Provides a user friendly description of the namespace.', maxLength: 500 },
    visibility: { type: 'string', description: 'Scope of namespace accessibility.', enum: ['public', 'private'] },
    protected: { type: 'boolean', description: 'If true, namespace will not be deletable.' },
    owner: { type: 'string', description: 'Owner of the namespace.', maxLength: 255 },
    created_at: timestamp('Date and time of namespace creation'),
    updated_at: timestamp('Date and time of the last namespace modification'),
    schema: readOnlyString(),
    self: readOnlyString(),
    resource_type_associations: {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' }, prefix: { type: 'string' }, properties_target: { type: 'string' } } },
    },
    properties: { $ref: '#/definitions/property' },
    objects: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          description: { type: 'string' },
          required: { $ref: '#/definitions/stringArray' },
          properties: { $ref: '#/definitions/property' },
        },
      },
    },
    tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
  }, { definitions: namespaceDefinitions(), required: ['namespace'] });
}

export function objectSchema(): Doc {
  return item('object', {
    name: { type: 'string', maxLength: 80 },
    description: { type: 'string' },
    required: { $ref: '#/definitions/stringArray' },
    properties: { $ref: '#/definitions/property' },
    schema: readOnlyString(),
    self: readOnlyString(),
    created_at: timestamp('Date and time of object creation'),
    updated_at: timestamp('Date and time of the last object modification'),
  }, { definitions: namespaceDefinitions(), required: ['name'] });
}

/** A single property; `name` is required except inside a collection or an object. */
export function propertySchema(requireName = true): Doc {
  return item('property', propertyFields(), { definitions: propertyDefinitions(), required: requireName ? ['type', 'title', 'name'] : ['type', 'title'] });
}

export function resourceTypeAssociationSchema(): Doc {
  return item('resource_type_association', {
    name: {
      type: 'string',
      description: 'Resource type names should be aligned with Heat resource types whenever possible: https://docs.openstack.org/heat/latest/template_guide/openstack.html',
      maxLength: 80,
    },
    prefix: {
      type: 'string',
      description: 'Specifies the prefix to use for the given resource type. Any properties in the namespace should be prefixed with this prefix when being applied to the specified resource type. Must include prefix separator (e.g. a colon :).',
      maxLength: 80,
    },
    properties_target: {
      type: 'string',
      description: 'Some resource types allow more than one key / value pair per instance.  For example, Cinder allows user and image metadata on volumes. Only the image properties metadata is evaluated by Nova (scheduling or drivers). This property allows a namespace target to remove the ambiguity.',
      maxLength: 80,
    },
    created_at: timestamp('Date and time of resource type association'),
    updated_at: timestamp('Date and time of the last resource type association modification'),
  }, { required: ['name'] });
}

export function tagSchema(): Doc {
  return item('tag', {
    name: { type: 'string', maxLength: 80 },
    created_at: timestamp('Date and time of tag creation'),
    updated_at: timestamp('Date and time of the last tag modification'),
  }, { required: ['name'] });
}

/** The body of POST /namespaces/{ns}/tags (validated, not served). */
export function tagListSchema(): Doc {
  return item('tags', {
    tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false } },
  });
}

/** The documents of GET /v2/schemas/metadefs/{name}. */
export const METADEF_SCHEMAS: Readonly<Record<string, () => Doc>> = {
  namespace: namespaceSchema,
  namespaces: () => collection('namespaces', namespaceSchema()),
  resource_type: resourceTypeAssociationSchema,
  resource_types: () => collection('resource_type_associations', resourceTypeAssociationSchema()),
  property: () => propertySchema(),
  properties: () => collection('properties', propertySchema(false), 'object'),
  object: objectSchema,
  objects: () => collection('objects', objectSchema()),
  tag: tagSchema,
  tags: () => collection('tags', tagSchema()),
};
