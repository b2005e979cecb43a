import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../../private/nag';
import type { ManualStepNotice } from '../engine-internal';

/**
 * Tells `topic` when an environment's deployment starts and when it waits for a person to reroute
 * production traffic, with the link to that very deployment.
 *
 * Why an EventBridge rule on the deployment's state changes, and not a CodeStar notification rule
 * or the approval action's text: CodeStar notification rules on a CodeDeploy application offer only
 * deployment started, succeeded and failed (CodeDeploy user guide, "Create a notification rule"),
 * none of which says "waiting for you", and their message carries no console link; the approval
 * action runs before the deployment exists, so it cannot link to it. CodeDeploy sends
 * "CodeDeploy Deployment State-change Notification" events to EventBridge (EventBridge reference,
 * "AWS CodeDeploy events") with the deployment id. READY is the state of a blue/green deployment
 * that waits for ContinueDeployment (the deployment status `Ready` of the CodeDeploy API, the
 * `DeploymentReady` trigger event); it was not seen in an account, so the START message carries
 * the same link and instructions and the person is told either way. The message names the
 * deployment, its state, the test listener, the console page (where "Reroute traffic" is), the CLI
 * command and the deadline.
 *
 * The rule lives in `scope`'s stack, so it sees deployments in that stack's account and region.
 * The pipeline reaches it through the engine-neutral `notifyManualSteps` of a bound engine
 * (engine-internal.ts); another engine decides how it waits for a person and how it says so.
 *
 * Created in `scope` as `ManualReroute-<environment>`.
 */
export function notifyManualReroute(
  scope: Construct, topic: sns.ITopic, notice: ManualStepNotice, deploymentGroup: codedeploy.IEcsDeploymentGroup,
): events.Rule {
  const rule = new events.Rule(scope, `ManualReroute-${notice.environmentName}`, {
    description: `Tells ${notice.environmentName}'s approvers when a deployment starts and waits for them to reroute production traffic`,
    eventPattern: {
      source: ['aws.codedeploy'],
      detailType: ['CodeDeploy Deployment State-change Notification'],
      detail: {
        state: ['START', 'READY'],
        application: [deploymentGroup.application.applicationName],
        deploymentGroup: [deploymentGroup.deploymentGroupName],
      },
    },
  });
  const deploymentId = events.EventField.fromPath('$.detail.deploymentId');
  const region = events.EventField.fromPath('$.region');
  const state = events.EventField.fromPath('$.detail.state');
  const timeout = notice.timeout.toHumanString();
  const message = events.RuleTargetInput.fromText([
    `Deployment ${deploymentId} of ${notice.environmentName}: ${state}.`,
    `Once READY, the new version serves the test listener only (${notice.testUrl}) and waits up to ${timeout} for you to reroute production traffic:`,
    `choose "Reroute traffic" at https://${region}.console.aws.amazon.com/codesuite/codedeploy/deployments/${deploymentId}?region=${region}`,
    `or run: aws deploy continue-deployment --deployment-id ${deploymentId} --deployment-wait-type READY_WAIT --region ${region}`,
    `Without a reroute within ${timeout} of READY the deployment stops and production stays on the current version.`,
  ].join('\n'));
  // A role of this rule's own publishes (sns:Publish on the topic, the topic key's data-key actions):
  // the topic policy then admits no service principal that any account's rule could use.
  const role = new iam.Role(rule, 'PublishRole', {
    assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
    description: `Publishes ${notice.environmentName}'s manual-reroute messages`,
  });
  rule.addTarget(new targets.SnsTopic(topic, { message, role }));
  acknowledgeWildcards(role,
    'The role may use the topic\'s KMS key to publish encrypted messages (kms:GenerateDataKey*, granted by aws-cdk-lib\'s Topic.grantPublish).',
    ['Action::kms:GenerateDataKey\\*']);
  return rule;
}
