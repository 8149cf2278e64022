-- AlterEnum
ALTER TYPE "UploadStatus" ADD VALUE 'EXPIRED';

