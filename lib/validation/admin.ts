import { z } from "zod";

import { uploadPageFields } from "./listing";

const UPLOAD_STATUSES = ["PENDING", "READY", "REJECTED", "ABORTED", "DELETED", "EXPIRED", "QUARANTINED"] as const;

const day = z.iso.date("use a date like 2026-11-27");
const bytes = z.coerce.number().int().min(0);

export const adminUploadsQuerySchema = z.object({
  q: z.string().trim().max(200).optional(),
  status: z.enum(UPLOAD_STATUSES).optional(),
  type: z.string().trim().toLowerCase().max(255).optional(),
  owner: z.string().trim().toLowerCase().max(254).optional(),
  from: day.optional(),
  to: day.optional(),
  minSize: bytes.optional(),
  maxSize: bytes.optional(),
  ...uploadPageFields,
});
export type AdminUploadsQuery = z.infer<typeof adminUploadsQuerySchema>;

export const adminUsersQuerySchema = z.object({
  q: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(1000).optional(),
});

export const adminAuditQuerySchema = z.object({
  actor: z.string().trim().toLowerCase().max(254).optional(),
  action: z.string().trim().max(64).optional(),
  object: z.string().trim().max(1024).optional(),
  from: day.optional(),
  to: day.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  // An event id (a bigint): at most 18 digits always fits.
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, "cursor is not one this API handed out.")
    .optional(),
});
export type AdminAuditQuery = z.infer<typeof adminAuditQuerySchema>;

export const updateUserSchema = z
  .object({
    role: z.enum(["USER", "ADMIN"]).optional(),
    disabled: z.boolean().optional(),
    // null restores the default quota.
    quotaBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    quotaFiles: z.number().int().min(0).max(10_000_000).nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "give at least one of role, disabled, quotaBytes, quotaFiles");
export type UpdateUserInput = z.infer<typeof updateUserSchema>;
