import "server-only";

// The bucket policy that gives Valet's two browser-facing keys exactly what the valet flow needs
// under the upload prefix, and nothing else. Valet writes it with S3_SETUP_BUCKET (where the
// storage takes bucket policies: Ceph RGW, AWS); the README shows it for setting up by hand.

const STATEMENT_IDS = ["ValetUploadWriteOnly", "ValetUploadNeverReads", "ValetDownloadReadOnly"] as const;

interface Statement {
  Sid?: string;
  [key: string]: unknown;
}

export interface BucketPolicy {
  Version: string;
  Statement: Statement[];
}

export function valetStatements(args: {
  bucket: string;
  prefix: string;
  thumbnailPrefix: string;
  uploadPrincipal: string;
  downloadPrincipal: string;
}): Statement[] {
  const objects = `arn:aws:s3:::${args.bucket}/${args.prefix}*`;
  const thumbnails = `arn:aws:s3:::${args.bucket}/${args.thumbnailPrefix}*`;
  return [
    {
      // PutObject covers the single PUT, creating a multipart upload, each part and completing it.
      Sid: "ValetUploadWriteOnly",
      Effect: "Allow",
      Principal: { AWS: [args.uploadPrincipal] },
      Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      Resource: [objects],
    },
    {
      // Storage makes the writer an owner of what it wrote (its ACL grants it FULL_CONTROL): an
      // explicit deny keeps the upload key write-only even on its own objects. Without
      // s3:GetObject it can also never be the source of a copy (x-amz-copy-source).
      Sid: "ValetUploadNeverReads",
      Effect: "Deny",
      Principal: { AWS: [args.uploadPrincipal] },
      Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObjectAcl", "s3:PutObjectAcl"],
      Resource: [objects],
    },
    {
      // The thumbnails the workers write (with the main key) are shown through download URLs too.
      Sid: "ValetDownloadReadOnly",
      Effect: "Allow",
      Principal: { AWS: [args.downloadPrincipal] },
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: [objects, thumbnails],
    },
  ];
}

/** The bucket's policy with Valet's statements in it: others are kept, Valet's own replaced. */
export function mergeBucketPolicy(existing: string | undefined, statements: Statement[]): BucketPolicy {
  const current = existing ? (JSON.parse(existing) as BucketPolicy) : { Version: "2012-10-17", Statement: [] };
  const others = (Array.isArray(current.Statement) ? current.Statement : [current.Statement]).filter(
    (s) => !STATEMENT_IDS.includes(s.Sid as (typeof STATEMENT_IDS)[number]),
  );
  return { Version: current.Version ?? "2012-10-17", Statement: [...others, ...statements] };
}
