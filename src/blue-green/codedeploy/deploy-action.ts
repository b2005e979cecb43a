import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { appSpecFile, IMAGE_PLACEHOLDER_NAME, taskDefinitionFile } from '../../pipeline/build-contract';
import { deployActionWithRole } from '../action-role';
import type { DeployActionOptions } from '../engine';

/** CodePipeline's CodeDeploy ECS action for one environment, with a role scoped to it (`deployActionWithRole`). */
export function codeDeployEcsDeployAction(scope: Construct, environmentName: string, group: codedeploy.IEcsDeploymentGroup,
  taskDefinition: ecs.TaskDefinition, options: DeployActionOptions): codepipeline.IAction {
  // The grants aws-cdk-lib's CodeDeployEcsDeployAction makes (aws-codepipeline-actions/lib/codedeploy/ecs-deploy-action.js)
  // except iam:PassRole, which it grants on `*` (any role trusting ecs-tasks): deployActionWithRole
  // grants it on the environment's task and execution roles only, the two roles taskdef-<env>.json names.
  return deployActionWithRole(scope, options, {
    environmentName,
    description: `Deploys ${environmentName} with CodeDeploy blue/green from the pipeline's deploy artifacts`,
    taskDefinition,
    statements: [
      new iam.PolicyStatement({
        actions: ['codedeploy:GetApplication', 'codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'],
        resources: [group.application.applicationArn],
      }),
      new iam.PolicyStatement({ actions: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment'], resources: [group.deploymentGroupArn] }),
      new iam.PolicyStatement({ actions: ['codedeploy:GetDeploymentConfig'], resources: [group.deploymentConfig.deploymentConfigArn] }),
      // ecs:*TaskDefinition actions take no task-definition resource (aws/containers-roadmap#929, open): '*' only.
      new iam.PolicyStatement({ actions: ['ecs:RegisterTaskDefinition'], resources: ['*'] }),
    ],
    wildcardReason: 'The CodeDeploy ECS action registers the rendered task definition (ecs:RegisterTaskDefinition has no resource-level permissions: Resource::*) '
      + 'and reads the deploy artifact (objects and key of the pipeline\'s own bucket); iam:PassRole names the environment\'s two roles.',
  }, role => new actions.CodeDeployEcsDeployAction({
    actionName: options.actionName,
    runOrder: options.runOrder,
    role,
    deploymentGroup: group,
    appSpecTemplateFile: options.buildOutput.atPath(appSpecFile(environmentName)),
    taskDefinitionTemplateFile: options.buildOutput.atPath(taskDefinitionFile(environmentName)),
    // One image input only, whatever the number of containers: each input is an artifact with an
    // imageDetail.json of its own (CodeDeployEcsContainerImageInput in aws-cdk-lib), so the action's
    // four inputs would cap a task at four built images and need an artifact per image. The build
    // writes the additional containers' digests into taskdef-<env>.json itself, like the X-Ray
    // sidecar's image, and the action registers them unchanged: no placeholder, no limit of four.
    containerImageInputs: [{ input: options.buildOutput, taskDefinitionPlaceholder: IMAGE_PLACEHOLDER_NAME }],
  }));
}
