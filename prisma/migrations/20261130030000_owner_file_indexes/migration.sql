-- DropIndex
DROP INDEX "Upload_ownerId_status_createdAt_idx";

-- CreateIndex
CREATE INDEX "Upload_ownerId_status_createdAt_id_idx" ON "Upload"("ownerId", "status", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "Upload_ownerId_status_name_id_idx" ON "Upload"("ownerId", "status", "name", "id");

-- CreateIndex
CREATE INDEX "Upload_ownerId_status_size_id_idx" ON "Upload"("ownerId", "status", "size", "id");

