import { Duration } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { imageDefinitionsFile } from '../../pipeline/build-contract';
import { acknowledgeWildcards, BUCKET_AND_KEY_GRANTS } from '../../private/nag';
import { ARTIFACT_GRANTS_ACROSS_STACKS, createDeployActionRole, grantTaskRolesAndArtifacts, isInOwnStack, readsArtifactsAcrossStacks } from '../action-role';
import type { DeployActionOptions } from '../engine';

/**
 * CodePipeline's standard ECS deploy action for one environment: it registers a revision of the
 * service's current task definition with the images of `imagedefinitions-<env>.json` and updates
 * the service, which runs the service's blue/green (canary, linear) deployment; the action waits
 * for it (up to `deploymentTimeout`). Its role is scoped to the environment (created in `scope` as
 * `Deploy-<name>ActionRole`: the pipeline's construct, or the environment when it has a stack of
 * its own, in its account).
 */
export function ecsDeployAction(scope: Construct, environmentName: string, service: ecs.FargateService,
  taskDefinition: ecs.TaskDefinition, deploymentTimeout: Duration, options: DeployActionOptions): codepipeline.IAction {
  const remote = isInOwnStack(scope, options);
  const role = createDeployRole(scope, environmentName, service, taskDefinition, options, remote);
  const action = new actions.EcsDeployAction({
    actionName: options.actionName,
    runOrder: options.runOrder,
    role: role.withoutPolicyUpdates(),
    service,
    imageFile: options.buildOutput.atPath(imageDefinitionsFile(environmentName)),
    deploymentTimeout,
  });
  return remote ? readsArtifactsAcrossStacks(action, role) : action;
}

/**
 * The grants aws-cdk-lib's EcsDeployAction makes (aws-codepipeline-actions/lib/ecs/deploy-action.js:
 * ecs:Describe..., RegisterTaskDefinition, TagResource, UpdateService and iam:PassRole, all on `*`),
 * narrowed: the service actions on this service, iam:PassRole on the environment's task and
 * execution roles only. The task-definition actions take no resource
 * (aws/containers-roadmap#929). The action gets the role without policy updates, so it cannot add
 * its own wider statements.
 */
function createDeployRole(scope: Construct, name: string, service: ecs.FargateService,
  taskDefinition: ecs.TaskDefinition, options: DeployActionOptions, remote: boolean): iam.Role {
  const role = createDeployActionRole(scope, name, `Deploys ${name} with the ECS deploy action from the pipeline's deploy artifacts`,
    options, remote);
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
    resources: [service.serviceArn],
  }));
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition', 'ecs:TagResource', 'ecs:DescribeTasks', 'ecs:ListTasks'],
    resources: ['*'],
  }));
  grantTaskRolesAndArtifacts(role, taskDefinition, options, remote);
  acknowledgeWildcards(role,
    'The ECS deploy action registers a task definition revision and reads tasks (ecs:*TaskDefinition, DescribeTasks, ListTasks and TagResource '
    + 'on a new revision have no usable resource-level permissions: Resource::*) and reads the deploy artifact (objects and key of the pipeline\'s own bucket); '
    + 'the service actions name the service, iam:PassRole the environment\'s two roles.',
    ['Resource::\\*', ...BUCKET_AND_KEY_GRANTS, ...(remote ? ARTIFACT_GRANTS_ACROSS_STACKS : [])]);
  return role;
}
