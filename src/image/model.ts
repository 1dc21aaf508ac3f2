/**
 * The image record as the image service keeps it, and Glance's fixed vocabularies.
 * Extra properties (architecture, hw_*, anything a user adds) live beside the base
 * attributes and are always strings, as Glance's permissive schema demands.
 */
export const IMAGE_STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

export const VISIBILITIES = ['public', 'private', 'shared', 'community'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

export interface Image {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: Visibility;
  protected: boolean;
  osHidden: boolean;
  owner: string | null;
  size: number | null;
  virtualSize: number | null;
  checksum: string | null;
  osHashAlgo: string | null;
  osHashValue: string | null;
  diskFormat: string | null;
  containerFormat: string | null;
  minRam: number;
  minDisk: number;
  createdAt: Date;
  updatedAt: Date;
  /** Where the data lives in the store (`file:///...`); null until uploaded. */
  location: string | null;
  /** Which store holds the data ("file"); null until uploaded. */
  storeId: string | null;
  tags: string[];
  properties: Record<string, string>;
}

export interface ImageMember {
  imageId: string;
  memberId: string;
  status: MemberStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** An asynchronous image operation (import), shown at /v2/images/{id}/tasks. */
export interface ImageTask {
  id: string;
  imageId: string;
  type: string;
  status: 'pending' | 'processing' | 'success' | 'failure';
  owner: string;
  input: Record<string, unknown>;
  result: Record<string, unknown> | null;
  message: string;
  requestId: string;
  userId: string;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date | null;
}

/** Attributes Glance computes: a client naming them gets 403 "Attribute 'x' is read-only." */
export const READ_ONLY_ATTRIBUTES = ['created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id', 'os_hash_algo', 'os_hash_value', 'stores'] as const;

/** Names reserved by Glance for itself (403 "Attribute 'x' is reserved."). */
export const RESERVED_ATTRIBUTES = ['location', 'deleted', 'deleted_at'] as const;
export const RESERVED_NAMESPACE = 'os_glance';
