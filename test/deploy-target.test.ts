import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BlueGreenDeployment, BlueGreenFargateService, IDeployTarget } from '../src';
import { nagFindings } from './support/nag';

/**
 * The pipeline sees an environment as a deploy target (name, URL, who pulls the image, the deploy
 * action); the grant runs the aws-cdk-lib way round: the repository grants the environment's puller.
 */
describe('a service as a deploy target', () => {
  const pullStatement = {
    Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
    Effect: 'Allow',
    Resource: Match.anyValue(),
  };

  test('imagePuller is the execution role, and repository.grantPull(imagePuller) returns the grant', () => {
    // GIVEN a service and a repository
    const stack = new Stack(new App(), 'Stack');
    const svc = new BlueGreenFargateService(stack, 'Svc', { environmentName: 'dev' });
    const repository = new ecr.Repository(stack, 'Repo');

    // WHEN the repository grants the service's puller
    const target: IDeployTarget = svc;
    const grant = repository.grantPull(target.imagePuller);

    // THEN the execution role may pull from that repository
    expect(grant).toBeInstanceOf(iam.Grant);
    expect(grant.success).toBe(true);
    expect(target.imagePuller.grantPrincipal).toBe(svc.taskDefinition.executionRole);
    expect(target.environmentName).toBe('dev');
    expect(target.url).toBe(svc.url);
    expect(target.buildOutputFiles).toEqual(['appspec-dev.yaml', 'taskdef-dev.json']);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(svc.taskDefinition.executionRole!.node.defaultChild as any) }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ ...pullStatement, Resource: { 'Fn::GetAtt': [stack.getLogicalId(repository.node.defaultChild as any), 'Arn'] } })]) },
    });
  });

  test('the deprecated grantImagePull(repository) still grants the same pull', () => {
    const synth = (useDeprecated: boolean) => {
      const stack = new Stack(new App(), 'Stack');
      const svc = new BlueGreenFargateService(stack, 'Svc', { environmentName: 'dev' });
      const repository = new ecr.Repository(stack, 'Repo');
      if (useDeprecated) {
        svc.grantImagePull(repository);
      } else {
        repository.grantPull(svc.imagePuller);
      }
      return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).map((p: any) => p.Properties.PolicyDocument);
    };
    expect(synth(true)).toEqual(synth(false));
  });

  test('repository.grantPull(imagePuller), the recommended grant, leaves no unsuppressed cdk-nag finding', () => {
    // GIVEN a standalone service whose pull is granted the aws-cdk-lib way
    const stack = new Stack(new App(), 'Stack');
    const svc = new BlueGreenFargateService(stack, 'Svc', { environmentName: 'dev' });
    new ecr.Repository(stack, 'Repo', { imageScanOnPush: true }).grantPull(svc.imagePuller);
    // WHEN cdk-nag runs / THEN ecr:GetAuthorizationToken's Resource::* is acknowledged on the execution role
    expect(nagFindings(stack)).toEqual([]);
  });
});


/**
 * What the build needs of an environment beyond its task definition and container comes from the
 * engine: the build itself knows nothing of AppSpecs or hooks.
 */
describe('a service as an image build environment: the engine\'s build data', () => {
  test('codeDeploy(): the AppSpec\'s hooks as [event, ARN] in lifecycle order and the service\'s capacity provider strategy', () => {
    // GIVEN a service with two hooks given out of lifecycle order, next to the smoke test
    const stack = new Stack(new App(), 'Stack');
    const hook = (id: string) => new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}'),
    });
    const after = hook('After');
    const before = hook('Before');
    const svc = new BlueGreenFargateService(stack, 'Svc', { hooks: { afterAllowTraffic: after, beforeInstall: before } });

    // THEN
    expect(svc.buildData).toEqual({
      hooks: [
        ['BeforeInstall', before.functionArn],
        ['AfterAllowTestTraffic', svc.smokeTest!.function.functionArn],
        ['AfterAllowTraffic', after.functionArn],
      ],
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE', base: 1, weight: 1 },
        { capacityProvider: 'FARGATE_SPOT', base: 0, weight: 4 },
      ],
    });
  });

  test('ecsNative(): no build data (the image definitions need only the containers)', () => {
    const stack = new Stack(new App(), 'Stack');
    const svc = new BlueGreenFargateService(stack, 'Svc', { environmentName: 'dev', blueGreen: BlueGreenDeployment.ecsNative() });
    expect(svc.buildData).toBeUndefined();
    expect(svc.buildOutputFiles).toEqual(['imagedefinitions-dev.json']);
  });
});
