import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * cdk-nag suppressions are CloudFormation metadata (`cdk_nag.rules_to_suppress`) that cdk-nag
 * reads when it runs; writing the metadata directly keeps cdk-nag out of the library's runtime
 * dependencies (it is the same format `NagSuppressions.addResourceSuppressions` writes).
 */
interface Suppression {
  readonly id: string;
  readonly reason: string;
  readonly applies_to?: Array<string | { regex: string }>;
}

function addSuppressions(construct: IConstruct, suppressions: Suppression[], children: boolean, resourceTypes?: string[]): void {
  for (const child of children ? construct.node.findAll() : [construct]) {
    const resource = child.node.defaultChild ?? child;
    if (!(resource instanceof CfnResource)) { continue; }
    if (resourceTypes && !resourceTypes.includes(resource.cfnResourceType)) { continue; }
    const existing: Suppression[] = resource.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
    const merged = [...new Set([...existing, ...suppressions].map(r => JSON.stringify(r)))].map(r => JSON.parse(r));
    resource.addMetadata('cdk_nag', { rules_to_suppress: merged });
  }
}

/**
 * Acknowledges AwsSolutions-IAM5 (wildcard permissions) on `construct` and its children, for the
 * listed findings only. Each entry is a regular expression matched against cdk-nag's finding,
 * e.g. `Resource::\*` or `Action::s3:GetObject\*`, so a new wildcard still fails the check.
 */
export function acknowledgeWildcards(construct: IConstruct, reason: string, findings: string[]): void {
  addSuppressions(construct, [{
    id: 'AwsSolutions-IAM5',
    reason,
    applies_to: findings.map(f => ({ regex: `/^${f}$/g` })),
  }], true, ['AWS::IAM::Policy', 'AWS::IAM::Role']);
}

/** Suppresses one cdk-nag rule on `construct` (and its children when `children`), with a reason. */
export function acknowledge(construct: IConstruct, id: string, reason: string, children = false, appliesTo?: string[]): void {
  addSuppressions(construct, [{ id, reason, ...(appliesTo ? { applies_to: appliesTo } : {}) }], children);
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
