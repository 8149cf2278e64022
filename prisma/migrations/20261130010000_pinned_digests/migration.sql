-- AlterTable
ALTER TABLE "Upload" ADD COLUMN     "etag" TEXT,
ADD COLUMN     "versionId" TEXT;

-- CreateTable
CREATE TABLE "UploadPart" (
    "uploadId" UUID NOT NULL,
    "partNumber" INTEGER NOT NULL,
    "md5" TEXT NOT NULL,

    CONSTRAINT "UploadPart_pkey" PRIMARY KEY ("uploadId","partNumber")
);

-- AddForeignKey
ALTER TABLE "UploadPart" ADD CONSTRAINT "UploadPart_uploadId_fkey" FOREIGN KEY ("uploadId") REFERENCES "Upload"("id") ON DELETE CASCADE ON UPDATE CASCADE;

