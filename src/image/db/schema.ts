/** Kysely table types of the image service's database. */
export interface ImageTables {
  images: ImageRow;
  image_properties: { image_id: string; name: string; value: string };
  image_tags: { image_id: string; value: string };
  image_members: { image_id: string; member: string; status: string; created_at: string; updated_at: string };
  image_tasks: ImageTaskRow;
}

export interface ImageRow {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  protected: number;
  os_hidden: number;
  owner: string | null;
  /** bigint columns: PostgreSQL hands them back as strings, hence the union. */
  size: number | string | null;
  virtual_size: number | string | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  disk_format: string | null;
  container_format: string | null;
  min_ram: number;
  min_disk: number;
  /** ISO 8601 with milliseconds, so lexical order is time order. */
  created_at: string;
  updated_at: string;
  location: string | null;
  store_id: string | null;
  /** Bytes held in the staging area for interoperable import (quota image_stage_total). */
  staged_size: number | string | null;
}

export interface ImageTaskRow {
  id: string;
  image_id: string;
  type: string;
  status: string;
  owner: string;
  input: string;
  result: string | null;
  message: string;
  request_id: string;
  user_id: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
}
