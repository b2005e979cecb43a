import { PhysicalName, Stack } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { DeployActionOptions } from './engine';
import { acknowledgeWildcards, BUCKET_AND_KEY_GRANTS } from '../private/nag';

/**
 * The role of a deploy action in an environment's own stack, for every engine: where it lives is
 * decided by the pipeline (the `scope` it hands the engine); these helpers only make the role work
 * from there.
 *
 * Internal module: not exported from the package entry point.
 */

/**
 * Findings of the grants of a role in the environment's own stack: the artifact bucket named in another
 * account, the pipeline account's keys (only the artifact key's policy admits the role), the
 * replication bucket aws-cdk-lib creates in another region.
 */
const ARTIFACT_GRANTS_ACROSS_STACKS = [
  'Resource::arn:<AWS::Partition>:kms:[a-z0-9-]+:\\d{12}:key/\\*',
  'Resource::arn:<AWS::Partition>:s3:::[a-z0-9.-]+/\\*',
  'Resource::<CrossRegionReplicationSupport[A-Za-z0-9]*ReplicationBucket[A-Za-z0-9]*\\.Arn>/\\*',
];

/** What an engine says about its deploy action's role. */
export interface DeployActionRoleProps {
  /** Name of the environment (the role's id is `Deploy-<name>ActionRole`). */
  readonly environmentName: string;
  /** Description of the role. */
  readonly description: string;
  /** The environment's task definition: `iam:PassRole` on its task and execution roles. */
  readonly taskDefinition: ecs.TaskDefinition;
  /** The engine's own statements (its service or deployment group, the task definition actions). */
  readonly statements: iam.PolicyStatement[];
  /** Why the role's `Resource::*` statements are needed (the cdk-nag acknowledgement). */
  readonly wildcardReason: string;
}

/**
 * An environment's deploy action with a role of its own, for every engine. The role is created in
 * `scope` (the pipeline's construct, or the environment when it has a stack of its own) as
 * `Deploy-<name>ActionRole`, trusted as {@link actionRoleTrust} says; it holds the engine's
 * statements, `iam:PassRole` on the environment's two roles and read access to the artifacts, and
 * `createAction` receives it without policy updates, so the action cannot add wider statements of
 * its own.
 */
export function deployActionWithRole(scope: Construct, options: DeployActionOptions, props: DeployActionRoleProps,
  createAction: (role: iam.IRole) => codepipeline.IAction): codepipeline.IAction {
  const remote = isInOwnStack(scope, options);
  const role = new iam.Role(scope, `Deploy-${props.environmentName}ActionRole`, { ...actionRoleTrust(options, remote), description: props.description });
  props.statements.forEach(statement => role.addToPolicy(statement));
  grantPassTaskRoles(role, props.taskDefinition);
  acknowledgeWildcards(role, props.wildcardReason, ['Resource::\\*', ...BUCKET_AND_KEY_GRANTS, ...(remote ? ARTIFACT_GRANTS_ACROSS_STACKS : [])]);
  return new ArtifactReadingAction(createAction(role.withoutPolicyUpdates()), role);
}

/** Whether `scope` (where the engine creates the action's role) is in another stack than the pipeline. */
function isInOwnStack(scope: Construct, options: DeployActionOptions): boolean {
  return Stack.of(scope) !== Stack.of(options.pipelineRole);
}

/**
 * Who may assume a deploy action's role. In the pipeline's stack: the pipeline's role. In the
 * environment's own stack the role cannot name the pipeline's role (that stack would then depend on
 * the pipeline's, which depends on it): it trusts the pipeline's account, so any principal of that
 * account whose own policy allows sts:AssumeRole on the role may assume it (the pipeline's role is
 * granted that by aws-cdk-lib's pipeline, Pipeline.getRoleForAction: actionRole.grantAssumeRole;
 * an administrator of that account could grant it to others). aws-cdk-lib trusts its generated
 * cross-account action roles the same way (aws-codepipeline/lib/pipeline.js,
 * getRoleFromActionPropsOrGenerateIfCrossAccount: `new AccountPrincipal(pipelineStack.account)`),
 * unless the feature flag @aws-cdk/pipelines:reduceCrossAccountActionRoleTrustScope is set, which
 * adds the condition `ArnEquals: { 'aws:PrincipalArn': <the pipeline role's ARN> }`; this role does
 * not add it (naming the pipeline's role is what this stack must avoid). A generated name lets the
 * pipeline name it in another account.
 */
function actionRoleTrust(options: DeployActionOptions, inOwnStack: boolean): Pick<iam.RoleProps, 'assumedBy' | 'roleName'> {
  return inOwnStack
    ? { assumedBy: new iam.AccountPrincipal(Stack.of(options.pipelineRole).account), roleName: PhysicalName.GENERATE_IF_NEEDED }
    : { assumedBy: new iam.ArnPrincipal(options.pipelineRole.roleArn) };
}

/**
 * What every deploy action's role needs besides the engine's statements: `iam:PassRole` on the
 * environment's task role and execution role only (the two roles every deployed revision names,
 * passed to ECS tasks only). Read access to the artifacts is granted at bind by
 * {@link ArtifactReadingAction}, which knows the bucket the action reads.
 */
function grantPassTaskRoles(role: iam.Role, taskDefinition: ecs.TaskDefinition): void {
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['iam:PassRole'],
    resources: [taskDefinition.taskRole.roleArn, ...(taskDefinition.executionRole ? [taskDefinition.executionRole.roleArn] : [])],
    conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
  }));
}

/**
 * A deploy action with the role it reads the artifacts with, wherever that role lives. The bucket
 * it reads is known at bind: the pipeline's artifact bucket, or (another region) the replication
 * bucket aws-cdk-lib's pipeline creates in the action's stack (aws-codepipeline/lib/pipeline.js,
 * createSupportResourcesForRegion with the action's resource stack). Grants go where they make no
 * stack depend on the pipeline's, which depends on the environments' stacks: a bucket in the
 * role's stack grants as usual; the pipeline's bucket and key name the role in their resource
 * policies (all that IAM needs within one account) and, across accounts, the role's own policy
 * allows the bucket (named: aws-cdk-lib generates its name for this use) and the pipeline
 * account's keys, of which only the artifact key's policy admits the role.
 */
class ArtifactReadingAction implements codepipeline.IAction {
  public readonly actionProperties: codepipeline.ActionProperties;

  constructor(private readonly inner: codepipeline.IAction, private readonly role: iam.Role) {
    this.actionProperties = inner.actionProperties;
  }

  public bind(scope: Construct, stage: codepipeline.IStage, options: codepipeline.ActionBindOptions): codepipeline.ActionConfig {
    const bucket = options.bucket;
    if (Stack.of(bucket) === Stack.of(this.role)) {
      bucket.grantRead(this.role);
    } else {
      bucket.addToResourcePolicy(new iam.PolicyStatement({
        principals: [this.role],
        actions: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'],
        resources: [bucket.bucketArn, bucket.arnForObjects('*')],
      }));
      bucket.encryptionKey?.addToResourcePolicy(new iam.PolicyStatement({
        principals: [this.role],
        actions: ['kms:Decrypt', 'kms:DescribeKey'],
        resources: ['*'],
      }));
      if (Stack.of(bucket).account !== Stack.of(this.role).account) {
        this.role.addToPolicy(new iam.PolicyStatement({
          actions: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'],
          resources: [bucket.bucketArn, bucket.arnForObjects('*')],
        }));
        if (bucket.encryptionKey) {
          this.role.addToPolicy(new iam.PolicyStatement({
            actions: ['kms:Decrypt', 'kms:DescribeKey'],
            resources: [Stack.of(bucket).formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
          }));
        }
      }
    }
    return this.inner.bind(scope, stage, options);
  }

  public onStateChange(name: string, target?: events.IRuleTarget, options?: events.RuleProps): events.Rule {
    return this.inner.onStateChange(name, target, options);
  }
}

