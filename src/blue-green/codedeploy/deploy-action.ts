import { PhysicalName, Stack } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { appSpecFile, IMAGE_PLACEHOLDER_NAME, taskDefinitionFile } from '../../pipeline/build-contract';
import { acknowledgeWildcards, BUCKET_AND_KEY_GRANTS } from '../../private/nag';
import type { DeployActionOptions } from '../engine';

/**
 * CodePipeline's CodeDeploy ECS action for one environment, with a role scoped to it (created in
 * `scope` as `Deploy-<name>ActionRole`: the pipeline's construct, or the environment when it has
 * a stack of its own).
 */
export function codeDeployEcsDeployAction(scope: Construct, environmentName: string, deploymentGroup: codedeploy.IEcsDeploymentGroup,
  taskDefinition: ecs.TaskDefinition, options: DeployActionOptions): codepipeline.IAction {
  const remote = Stack.of(scope) !== Stack.of(options.pipelineRole);
  const role = createDeployRole(scope, environmentName, deploymentGroup, taskDefinition, options, remote);
  const action = new actions.CodeDeployEcsDeployAction({
    actionName: options.actionName,
    runOrder: options.runOrder,
    role: role.withoutPolicyUpdates(),
    deploymentGroup,
    appSpecTemplateFile: options.buildOutput.atPath(appSpecFile(environmentName)),
    taskDefinitionTemplateFile: options.buildOutput.atPath(taskDefinitionFile(environmentName)),
    containerImageInputs: [{ input: options.buildOutput, taskDefinitionPlaceholder: IMAGE_PLACEHOLDER_NAME }],
  });
  return remote ? new ArtifactReadingAction(action, role) : action;
}

/**
 * Findings of the grants of a role in the environment's own stack: the artifact bucket named in another
 * account, the pipeline account's keys (only the artifact key's policy admits the role), the
 * replication bucket aws-cdk-lib creates in another region.
 */
const REMOTE_ARTIFACT_GRANTS = [
  'Resource::arn:<AWS::Partition>:kms:[a-z0-9-]+:\\d{12}:key/\\*',
  'Resource::arn:<AWS::Partition>:s3:::[a-z0-9.-]+/\\*',
  'Resource::<CrossRegionReplicationSupport[A-Za-z0-9]*ReplicationBucket[A-Za-z0-9]*\\.Arn>/\\*',
];

/**
 * A deploy action whose role lives in the environment's own stack. The bucket it reads is known at
 * bind: the pipeline's artifact bucket, or (another region) the replication bucket aws-cdk-lib's
 * pipeline creates in the action's stack (aws-codepipeline/lib/pipeline.js,
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

/**
 * The role of an environment's CodeDeploy ECS action, with the grants aws-cdk-lib's
 * CodeDeployEcsDeployAction makes (aws-codepipeline-actions/lib/codedeploy/ecs-deploy-action.js)
 * except `iam:PassRole`, which it grants on `*` (any role trusting ecs-tasks): here only on the
 * environment's task role and execution role, the two roles `taskdef-<env>.json` names. The
 * action gets the role without policy updates, so it cannot add its own wider statements.
 */
function createDeployRole(scope: Construct, name: string, group: codedeploy.IEcsDeploymentGroup,
  taskDefinition: ecs.TaskDefinition, options: DeployActionOptions, remote: boolean): iam.Role {
  const role = new iam.Role(scope, `Deploy-${name}ActionRole`, {
    // In the environment's own stack the role cannot name the pipeline's role (that stack would then
    // depend on the pipeline's, which depends on it): it trusts the pipeline's account, whose
    // pipeline role alone is allowed to assume it (aws-cdk-lib's pipeline grants it sts:AssumeRole on
    // the action's role), as aws-cdk-lib does for the cross-account action roles it generates
    // (aws-codepipeline/lib/pipeline.js, getRoleFromActionPropsOrGenerateIfCrossAccount). A generated
    // name lets the pipeline name it in another account.
    assumedBy: remote ? new iam.AccountPrincipal(Stack.of(options.pipelineRole).account) : new iam.ArnPrincipal(options.pipelineRole.roleArn),
    roleName: remote ? PhysicalName.GENERATE_IF_NEEDED : undefined,
    description: `Deploys ${name} with CodeDeploy blue/green from the pipeline's deploy artifacts`,
  });
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['codedeploy:GetApplication', 'codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'],
    resources: [group.application.applicationArn],
  }));
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment'],
    resources: [group.deploymentGroupArn],
  }));
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['codedeploy:GetDeploymentConfig'],
    resources: [group.deploymentConfig.deploymentConfigArn],
  }));
  // ecs:*TaskDefinition actions take no task-definition resource (aws/containers-roadmap#929, open): '*' only.
  role.addToPolicy(new iam.PolicyStatement({ actions: ['ecs:RegisterTaskDefinition'], resources: ['*'] }));
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['iam:PassRole'],
    resources: [taskDefinition.taskRole.roleArn, ...(taskDefinition.executionRole ? [taskDefinition.executionRole.roleArn] : [])],
    conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
  }));
  if (!remote) {
    options.artifactBucket.grantRead(role);
  }
  acknowledgeWildcards(role,
    'The CodeDeploy ECS action registers the rendered task definition (ecs:RegisterTaskDefinition has no resource-level permissions: Resource::*) '
    + 'and reads the deploy artifact (objects and key of the pipeline\'s own bucket); iam:PassRole names the environment\'s two roles.',
    ['Resource::\\*', ...BUCKET_AND_KEY_GRANTS, ...(remote ? REMOTE_ARTIFACT_GRANTS : [])]);
  return role;
}
