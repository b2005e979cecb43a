import { Duration } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { imageDefinitionsFile } from '../../pipeline/build-contract';
import { deployActionWithRole } from '../action-role';
import type { DeployActionOptions } from '../engine';

/**
 * CodePipeline's standard ECS deploy action for one environment: it registers a revision of the
 * service's current task definition with the images of `imagedefinitions-<env>.json` and updates
 * the service, which runs the service's blue/green (canary, linear) deployment; the action waits
 * for it (up to `deploymentTimeout`). Its role is scoped to the environment (`deployActionWithRole`).
 */
export function ecsDeployAction(scope: Construct, environmentName: string, service: ecs.FargateService,
  taskDefinition: ecs.TaskDefinition, deploymentTimeout: Duration, options: DeployActionOptions): codepipeline.IAction {
  // The grants aws-cdk-lib's EcsDeployAction makes (aws-codepipeline-actions/lib/ecs/deploy-action.js:
  // ecs:Describe..., RegisterTaskDefinition, TagResource, UpdateService and iam:PassRole, all on `*`),
  // narrowed: the service actions on this service, iam:PassRole on the environment's task and
  // execution roles only (deployActionWithRole). The task-definition actions take no resource
  // (aws/containers-roadmap#929).
  return deployActionWithRole(scope, options, {
    environmentName,
    description: `Deploys ${environmentName} with the ECS deploy action from the pipeline's deploy artifacts`,
    taskDefinition,
    statements: [
      new iam.PolicyStatement({ actions: ['ecs:DescribeServices', 'ecs:UpdateService'], resources: [service.serviceArn] }),
      new iam.PolicyStatement({
        actions: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition', 'ecs:TagResource', 'ecs:DescribeTasks', 'ecs:ListTasks'],
        resources: ['*'],
      }),
    ],
    wildcardReason: 'The ECS deploy action registers a task definition revision and reads tasks (ecs:*TaskDefinition, DescribeTasks, ListTasks and TagResource '
      + 'on a new revision have no usable resource-level permissions: Resource::*) and reads the deploy artifact (objects and key of the pipeline\'s own bucket); '
      + 'the service actions name the service, iam:PassRole the environment\'s two roles.',
  }, role => new actions.EcsDeployAction({
    actionName: options.actionName,
    runOrder: options.runOrder,
    role,
    service,
    imageFile: options.buildOutput.atPath(imageDefinitionsFile(environmentName)),
    deploymentTimeout,
  }));
}
