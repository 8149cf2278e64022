// The JSON shapes the API answers with, shared by the server (which builds them) and the
// browser client (which reads them).
import type { Scope } from "./scopes";
import type { ShareStatus } from "./share-policy";

export interface FileDto {
  id: string;
  name: string;
  size: number;
  type: string;
  createdAt: string;
  completedAt: string | null;
}

export interface ShareDto {
  id: string;
  createdAt: string;
  expiresAt: string;
  maxDownloads: number | null;
  downloadCount: number;
  hasPassword: boolean;
  status: ShareStatus;
}

export interface ApiTokenDto {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  scopes: Scope[];
}
