import * as cdk from 'aws-cdk-lib';
import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { envLiteral, envPattern, escapeRegex, IAM4, IAM5, matchingFindingIds } from './nag-findings';

/**
 * cdk-nag acknowledgements, written so that both cdk-nag lines honour them:
 *
 * - cdk-nag 2 (an Aspect) reads CloudFormation metadata (`cdk_nag.rules_to_suppress`). Writing the
 *   metadata directly keeps cdk-nag out of the library's runtime dependencies (it is the format
 *   `NagSuppressions.addResourceSuppressions` writes). Granular findings are matched by `applies_to`
 *   (exact strings or `{ regex }`).
 * - cdk-nag 3 (a policy validation plugin; it runs from aws-cdk-lib 2.258, whose validation context
 *   first carries the `appConstruct` cdk-nag 3.0.2 requires) ignores that metadata. It reads
 *   `Validations.of(construct).acknowledge({ id, reason })` from construct metadata
 *   (`Validations.ACKNOWLEDGED_RULES_METADATA_KEY`) on the resource and its ancestors, one exact id per
 *   finding (`AwsSolutions-IAM5[Resource::*]`), no regex (cdk-nag 3.0.2 `lib/nag-pack.js`,
 *   `isAcknowledged`). Its plugin runs after the templates are written
 *   (aws-cdk-lib `core/lib/private/synthesis.js`: aspects -> prepareApp -> validateTree -> synthesizeTree
 *   -> validateTemplates), so findings derived in a construct validation see the final policies.
 *
 * `Validations` is feature-detected at run time: the peer range starts at aws-cdk-lib 2.236.0, which
 * has no such API (there only the metadata is written).
 */

interface Suppression {
  readonly id: string;
  readonly reason: string;
  readonly applies_to?: Array<string | { regex: string }>;
}

/** The part of aws-cdk-lib's `Validations` (>= 2.257) the helpers use. */
interface ValidationsApi {
  readonly ACKNOWLEDGED_RULES_METADATA_KEY?: string;
  of(scope: IConstruct): { acknowledge(...rules: Array<{ id: string; reason: string }>): void };
}

let detected: { api?: ValidationsApi } | undefined;

/** aws-cdk-lib's `Validations` class when the running aws-cdk-lib has it (2.257+), else undefined. */
export function validationsApi(): ValidationsApi | undefined {
  if (!detected) {
    const api = (cdk as unknown as { Validations?: ValidationsApi }).Validations;
    detected = { api: typeof api?.of === 'function' ? api : undefined };
  }
  return detected.api;
}

/**
 * Records one cdk-nag 3 acknowledgement on `resource`. aws-cdk-lib 2.257.0 to 2.268.x reject an id
 * with more than one `::`, such as `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:...]` ("The '::'
 * delimiter is reserved"); 2.269.0 parses the brackets (measured). There the entry is written the way
 * `Validations.acknowledge` records it, under the public `Validations.ACKNOWLEDGED_RULES_METADATA_KEY`
 * with aws-cdk-lib's `annotation::` prefix, which is what cdk-nag 3 reads (nag-pack.js, `isAcknowledged`).
 */
function recordAcknowledgement(api: ValidationsApi, resource: IConstruct, id: string, reason: string): void {
  try {
    api.of(resource).acknowledge({ id, reason });
  } catch (error) {
    // Only the known rejection falls back; anything else is a real failure and must surface.
    if (id.split('::').length <= 2) { throw error; }
    resource.node.addMetadata(api.ACKNOWLEDGED_RULES_METADATA_KEY ?? 'aws:cdk:acknowledged-rules', { [`annotation::${id}`]: reason });
  }
}

/** Replaces the detected `Validations` (tests only: the dev aws-cdk-lib 2.257 cannot record every granular id). */
export function useValidationsApi(api: ValidationsApi | undefined): void {
  detected = { api };
}

/** cdk-nag 2 reports a rule that throws (e.g. on an unresolvable value) under this id; cdk-nag 3 under the rule's own id. */
const VALIDATION_FAILURE = 'CdkNagValidationFailure';

function targets(construct: IConstruct, children: boolean, resourceTypes?: string[]): CfnResource[] {
  const found = new Set<CfnResource>();
  for (const child of children ? construct.node.findAll() : [construct]) {
    const resource = child.node.defaultChild ?? child;
    if (!(resource instanceof CfnResource)) { continue; }
    if (resourceTypes && !resourceTypes.includes(resource.cfnResourceType)) { continue; }
    found.add(resource);
  }
  return [...found];
}

function addMetadata(resource: CfnResource, suppression: Suppression): void {
  const existing: Suppression[] = resource.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
  const merged = [...new Set([...existing, suppression].map(r => JSON.stringify(r)))].map(r => JSON.parse(r));
  resource.addMetadata('cdk_nag', { rules_to_suppress: merged });
}

/**
 * Acknowledges, the cdk-nag 3 way, the findings of `rule` on `resource` that match `patterns`. The
 * findings are derived from the resolved policies when the construct tree is validated (after every
 * grant and aspect, before cdk-nag 3's plugin runs), so they are the ids cdk-nag 3 reports.
 */
function acknowledgeDerived(api: ValidationsApi, resource: CfnResource, rule: string, reason: string, patterns: string[]): void {
  let done = false;
  resource.node.addValidation({
    validate: () => {
      if (!done) {
        done = true;
        for (const id of matchingFindingIds(resource, rule, patterns)) {
          recordAcknowledgement(api, resource, id, reason);
        }
      }
      return [];
    },
  });
}

/**
 * Acknowledges AwsSolutions-IAM5 (wildcard permissions) on `construct` and its children, for the
 * listed findings only. Each entry is a regular expression matched against cdk-nag's finding,
 * e.g. `Resource::\*` or `Action::s3:GetObject\*`, so a new wildcard still fails the check.
 * Write `<AWS::Region>`, `<AWS::AccountId>` and `<AWS::Partition>` for those parts of an ARN: they
 * also match the literal values of a stack with an explicit `env`.
 */
export function acknowledgeWildcards(construct: IConstruct, reason: string, findings: string[]): void {
  const api = validationsApi();
  for (const resource of targets(construct, true, ['AWS::IAM::Policy', 'AWS::IAM::Role'])) {
    const patterns = findings.map(f => envPattern(resource, f));
    addMetadata(resource, { id: IAM5, reason, applies_to: patterns.map(p => ({ regex: `/^${p}$/g` })) });
    if (api) { acknowledgeDerived(api, resource, IAM5, reason, patterns); }
  }
}

/**
 * Suppresses one cdk-nag rule on `construct` (and its children when `children`), with a reason.
 * `appliesTo` narrows a granular rule to exact findings (for AwsSolutions-IAM4, e.g.
 * `Policy::arn:<AWS::Partition>:iam::aws:policy/...`); for `CdkNagValidationFailure` it names the
 * rules whose evaluation failed.
 */
export function acknowledge(construct: IConstruct, id: string, reason: string, children = false, appliesTo?: string[]): void {
  const api = validationsApi();
  for (const resource of targets(construct, children)) {
    const exact = appliesTo && [...new Set(appliesTo.flatMap(a => [a, envLiteral(resource, a)]))];
    addMetadata(resource, { id, reason, ...(exact ? { applies_to: exact } : {}) });
    if (!api) { continue; }
    if (id === VALIDATION_FAILURE) {
      // cdk-nag 3 reports a rule that cannot evaluate a value under the rule's own id (nag-pack.js, applyRule's catch).
      (appliesTo ?? []).forEach(rule => recordAcknowledgement(api, resource, rule, reason));
    } else if (!appliesTo) {
      recordAcknowledgement(api, resource, id, reason);
    } else if (id === IAM4 || id === IAM5) {
      acknowledgeDerived(api, resource, id, reason, appliesTo.map(a => envPattern(resource, escapeRegex(a))));
    } else {
      appliesTo.forEach(a => recordAcknowledgement(api, resource, `${id}[${a}]`, reason));
    }
  }
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
