import { NagPackSuppression, NagSuppressions } from 'cdk-nag';
import { IConstruct } from 'constructs';

/**
 * Acknowledges AwsSolutions-IAM5 (wildcard permissions) on `construct` and its children, for the
 * listed findings only. Each entry is a regular expression matched against cdk-nag's finding,
 * e.g. `Resource::\*` or `Action::s3:GetObject\*`, so a new wildcard still fails the check.
 */
export function acknowledgeWildcards(construct: IConstruct, reason: string, findings: string[]): void {
  NagSuppressions.addResourceSuppressions(construct, [{
    id: 'AwsSolutions-IAM5',
    reason,
    appliesTo: findings.map(f => ({ regex: `/^${f}$/g` })),
  }], true);
}

/** Suppresses one cdk-nag rule on `construct` (and its children when `children`), with a reason. */
export function acknowledge(construct: IConstruct, id: string, reason: string, children = false, appliesTo?: string[]): void {
  const suppression: NagPackSuppression = { id, reason, ...(appliesTo ? { appliesTo } : {}) };
  NagSuppressions.addResourceSuppressions(construct, [suppression], children);
}

/** cdk-nag finding patterns for the object-level grants aws-cdk-lib makes on a bucket and a KMS key. */
export const BUCKET_AND_KEY_GRANTS = [
  'Action::s3:GetObject\\*', 'Action::s3:GetBucket\\*', 'Action::s3:List\\*', 'Action::s3:DeleteObject\\*', 'Action::s3:Abort\\*',
  'Resource::<[A-Za-z0-9]*ArtifactBucket[A-Za-z0-9]*\\.Arn>/\\*',
  'Action::kms:GenerateDataKey\\*', 'Action::kms:ReEncrypt\\*',
];

/** cdk-nag finding patterns for the log group and report group grants aws-cdk-lib gives a CodeBuild project. */
export const CODEBUILD_PROJECT_GRANTS = [
  'Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/<[A-Za-z0-9]+>:\\*',
  'Resource::arn:<AWS::Partition>:codebuild:<AWS::Region>:<AWS::AccountId>:report-group/<[A-Za-z0-9]+>-\\*',
];
