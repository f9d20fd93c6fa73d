/** See ./lambda.ts: the S3 exports the release file store uses, and nothing else of the client. */
export { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
