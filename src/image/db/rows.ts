import type { Image, ImageMember, ImageStatus, ImageTask, MemberStatus, Visibility } from '../model.js';
import type { ImageRow, ImageTaskRow } from './schema.js';

/** bigint columns come back as strings from PostgreSQL and numbers elsewhere. */
export const toCount = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** Stored timestamps keep milliseconds so that lexical order is creation order. */
export const storedTime = (d: Date): string => d.toISOString();

export function imageFromRow(row: ImageRow, tags: string[], properties: Record<string, string>): Image {
  return {
    id: row.id,
    name: row.name,
    status: row.status as ImageStatus,
    visibility: row.visibility as Visibility,
    protected: row.protected === 1,
    osHidden: row.os_hidden === 1,
    owner: row.owner,
    size: toCount(row.size),
    virtualSize: toCount(row.virtual_size),
    checksum: row.checksum,
    osHashAlgo: row.os_hash_algo,
    osHashValue: row.os_hash_value,
    diskFormat: row.disk_format,
    containerFormat: row.container_format,
    minRam: row.min_ram,
    minDisk: row.min_disk,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    location: row.location,
    storeId: row.store_id,
    tags,
    properties,
  };
}

export function rowFromImage(image: Image): ImageRow {
  return {
    id: image.id,
    name: image.name,
    status: image.status,
    visibility: image.visibility,
    protected: image.protected ? 1 : 0,
    os_hidden: image.osHidden ? 1 : 0,
    owner: image.owner,
    size: image.size,
    virtual_size: image.virtualSize,
    checksum: image.checksum,
    os_hash_algo: image.osHashAlgo,
    os_hash_value: image.osHashValue,
    disk_format: image.diskFormat,
    container_format: image.containerFormat,
    min_ram: image.minRam,
    min_disk: image.minDisk,
    created_at: storedTime(image.createdAt),
    updated_at: storedTime(image.updatedAt),
    location: image.location,
    store_id: image.storeId,
    staged_size: null,
  };
}

export function memberFromRow(row: { image_id: string; member: string; status: string; created_at: string; updated_at: string }): ImageMember {
  return { imageId: row.image_id, memberId: row.member, status: row.status as MemberStatus, createdAt: new Date(row.created_at), updatedAt: new Date(row.updated_at) };
}

export function taskFromRow(row: ImageTaskRow): ImageTask {
  return {
    id: row.id,
    imageId: row.image_id,
    type: row.type,
    status: row.status as ImageTask['status'],
    owner: row.owner,
    input: JSON.parse(row.input) as Record<string, unknown>,
    result: row.result === null ? null : (JSON.parse(row.result) as Record<string, unknown>),
    message: row.message,
    requestId: row.request_id,
    userId: row.user_id,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
  };
}
