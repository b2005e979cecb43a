import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Capture, Match, Template } from 'aws-cdk-lib/assertions';
import {
  BlueGreenFargateService, BlueGreenFargateServiceProps, EcsCiCdPipeline, EcsCiCdPipelineProps, EnvironmentOptions, PipelineSource, TrafficShifting,
} from '../src';
import { nagFindings } from './support/nag';

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

const ENV = { account: '123456789012', region: 'eu-west-1' };
const CONNECTION_ARN = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/0f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f';
const SOURCE = PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: CONNECTION_ARN });

function service(props: BlueGreenFargateServiceProps = {}): { stack: Stack; template: Template; annotations: Annotations } {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  new BlueGreenFargateService(stack, 'Svc', props);
  const annotations = Annotations.fromStack(stack);
  return { stack, annotations, template: Template.fromStack(stack) };
}

function pipeline(environments: EnvironmentOptions[], props: Partial<EcsCiCdPipelineProps> = {}): { stack: Stack; pipeline: EcsCiCdPipeline } {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const built = new EcsCiCdPipeline(stack, 'Pipeline', { source: SOURCE, environments, ...props });
  return { stack, pipeline: built };
}

const DEV_STAGING_PROD = (prod: Partial<EnvironmentOptions>): EnvironmentOptions[] =>
  [{ name: 'dev' }, { name: 'staging' }, { name: 'prod', production: true, ...prod }];

// ---------------------------------------------------------------------------
// The deployment group
// ---------------------------------------------------------------------------

describe('manualRerouteTimeout: the CodeDeploy deployment waits for a person', () => {
  it('by default traffic moves on its own (CONTINUE_DEPLOYMENT, no wait)', () => {
    // GIVEN a service without the option / WHEN synthesized
    const { template } = service();
    // THEN
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      BlueGreenDeploymentConfiguration: Match.objectLike({
        DeploymentReadyOption: { ActionOnTimeout: 'CONTINUE_DEPLOYMENT', WaitTimeInMinutes: 0 },
      }),
    });
  });

  it('waits the given time for "reroute traffic", then stops the deployment, which rolls back', () => {
    // GIVEN / WHEN
    const { template } = service({ manualRerouteTimeout: Duration.hours(2) });
    // THEN the deployment waits 120 minutes for ContinueDeployment and is stopped without it
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      BlueGreenDeploymentConfiguration: Match.objectLike({
        DeploymentReadyOption: { ActionOnTimeout: 'STOP_DEPLOYMENT', WaitTimeInMinutes: 120 },
      }),
      // a stopped deployment rolls back: production stays on blue
      AutoRollbackConfiguration: { Enabled: true, Events: Match.arrayWith(['DEPLOYMENT_STOP_ON_REQUEST']) },
    });
  });

  it.each([
    ['zero', Duration.minutes(0), /manualRerouteTimeout \(0 minutes\) must be a whole number of minutes between 1 minute and 2 days/],
    ['not whole minutes', Duration.seconds(90), /manualRerouteTimeout \(1 minute 30 seconds\) must be a whole number of minutes/],
    ['over 2 days', Duration.days(3), /manualRerouteTimeout \(3 days\) must be a whole number of minutes between 1 minute and 2 days/],
  ])('rejects %s, naming the prop and the value', (_what, timeout, message) => {
    expect(() => service({ manualRerouteTimeout: timeout })).toThrow(message);
  });

  it('names the environment in a pipeline', () => {
    expect(() => pipeline(DEV_STAGING_PROD({ manualRerouteTimeout: Duration.days(3) })))
      .toThrow(/environments\[2\]\.manualRerouteTimeout \(3 days\)/);
  });
});

// ---------------------------------------------------------------------------
// CodePipeline's CodeDeploy ECS action: 5 days
// ---------------------------------------------------------------------------

describe('manualRerouteTimeout must fit the 5 days of the CodeDeploy deploy action', () => {
  it('rejects a wait that, with the termination wait and the traffic shifting, exceeds 5 days', () => {
    // GIVEN 2 days + 2 days + a 1.5-day canary
    const props = {
      manualRerouteTimeout: Duration.days(2),
      terminationWaitTime: Duration.days(2),
      trafficShifting: TrafficShifting.canary(10, Duration.hours(36)),
    };
    // THEN
    expect(() => service(props)).toThrow(
      /environment 'Svc': manualRerouteTimeout \(2 days\) \+ terminationWaitTime \(2 days\) \+ traffic shifting \(2160 minutes\) = 7920 minutes, longer than the 7200 minutes/);
  });

  it('counts every linear step', () => {
    // GIVEN linear 25% every 20 hours: 3 waits (60 h) + 2 days + 1 day = 132 h > 5 days
    const props = {
      manualRerouteTimeout: Duration.days(2),
      terminationWaitTime: Duration.days(1),
      trafficShifting: TrafficShifting.linear(25, Duration.hours(20)),
    };
    expect(() => service(props)).toThrow(/traffic shifting \(3600 minutes\)/);
  });

  it('warns when less than an hour is left for the green tasks and the hooks', () => {
    // GIVEN 2 days + 2 days + 23.5 h = 7170 minutes (30 minutes left)
    const { annotations } = service({
      manualRerouteTimeout: Duration.days(2),
      terminationWaitTime: Duration.days(2),
      trafficShifting: TrafficShifting.canary(10, Duration.minutes(1410)),
    });
    annotations.hasWarning('*', Match.stringLikeRegexp('cdk-ecs-cicd-pipeline:manualRerouteNearActionTimeout'));
  });

  it('does not warn about an ordinary wait', () => {
    const { annotations } = service({ manualRerouteTimeout: Duration.hours(4) });
    annotations.hasNoWarning('*', Match.stringLikeRegexp('manualRerouteNearActionTimeout'));
  });
});

// ---------------------------------------------------------------------------
// The message to the person who acts
// ---------------------------------------------------------------------------

describe('the pipeline tells the approvers where to reroute', () => {
  it('sends the START and READY events of that deployment group to the approval topic, with the deployment\'s console link', () => {
    // GIVEN prod waits 4 hours for its reroute
    const { stack, pipeline: built } = pipeline(DEV_STAGING_PROD({ manualRerouteTimeout: Duration.hours(4) }));
    const template = Template.fromStack(stack);
    const prod = built.environments[2];

    // THEN one rule, for prod's deployment group, when it starts and when it waits
    template.resourceCountIs('AWS::Events::Rule', 1);
    const input = new Capture();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.codedeploy'],
        'detail-type': ['CodeDeploy Deployment State-change Notification'],
        'detail': {
          state: ['START', 'READY'],
          application: [stack.resolve(prod.application.applicationName)],
          deploymentGroup: [stack.resolve(prod.deploymentGroup.deploymentGroupName)],
        },
      },
      Targets: [Match.objectLike({
        Arn: stack.resolve(built.approvalTopic!.topicArn),
        RoleArn: Match.anyValue(),
        InputTransformer: {
          InputPathsMap: { 'detail-deploymentId': '$.detail.deploymentId', 'region': '$.region', 'detail-state': '$.detail.state' },
          InputTemplate: input,
        },
      })],
    });
    // AND the message links to the waiting deployment and says what happens without a reroute
    const text = JSON.stringify(input.asObject());
    expect(text).toContain('https://<region>.console.aws.amazon.com/codesuite/codedeploy/deployments/<detail-deploymentId>?region=<region>');
    expect(text).toContain('aws deploy continue-deployment --deployment-id <detail-deploymentId> --deployment-wait-type READY_WAIT');
    expect(text).toContain('Deployment <detail-deploymentId> of prod: <detail-state>.');
    expect(text).toContain('Without a reroute within 4 hours of READY');
  });

  it('uses the notification topic when no environment has an approval', () => {
    // GIVEN one environment (production, first, so no approval) with a manual reroute
    const { stack, pipeline: built } = pipeline([{ name: 'prod', manualRerouteTimeout: Duration.hours(1) }]);
    expect(built.approvalTopic).toBeUndefined();
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: stack.resolve(built.notificationTopic.topicArn) })],
    });
  });

  it('publishes with a role of its own that may publish to that topic only', () => {
    const { stack, pipeline: built } = pipeline(DEV_STAGING_PROD({ manualRerouteTimeout: Duration.hours(4) }));
    const template = Template.fromStack(stack);
    const roleArn = new Capture();
    template.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ RoleArn: roleArn })] });
    const roleId = roleArn.asObject()['Fn::GetAtt'][0];
    template.hasResourceProperties('AWS::IAM::Role', Match.objectLike({
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'events.amazonaws.com' } })],
      }),
    }));
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Resource: stack.resolve(built.approvalTopic!.topicArn) })]),
      }),
    });
    // AND the topic's policy admits no EventBridge service principal
    const policies = template.findResources('AWS::SNS::TopicPolicy');
    expect(JSON.stringify(policies)).not.toContain('events.amazonaws.com');
  });

  it('adds nothing without a manual reroute', () => {
    const { stack } = pipeline(DEV_STAGING_PROD({}));
    Template.fromStack(stack).resourceCountIs('AWS::Events::Rule', 0);
  });

  it('stays cdk-nag clean', () => {
    const { stack } = pipeline(DEV_STAGING_PROD({ manualRerouteTimeout: Duration.hours(4) }));
    expect(nagFindings(stack)).toEqual([]);
  });
});
