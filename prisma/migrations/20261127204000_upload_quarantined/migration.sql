-- AlterEnum
ALTER TYPE "UploadStatus" ADD VALUE 'QUARANTINED';

