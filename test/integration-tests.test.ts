import { spawnSync } from 'child_process';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EcsCiCdPipeline, PipelineSource } from '../src';

/**
 * The integration-test project is shared by the environments of a VPC: its buildspec runs each
 * environment's commands only when the action's ENVIRONMENT_NAME names it. These tests execute the
 * synthesized commands in bash, the way CodeBuild runs a phase (one shell, a failing command fails).
 */
describe('integration-test buildspec, executed', () => {
  let commands: string[];

  beforeAll(() => {
    // GIVEN two environments with their own commands (they share the pipeline's VPC)
    const stack = new Stack(new App(), 'Stack');
    new EcsCiCdPipeline(stack, 'Shop', {
      source: PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: 'arn:aws:codeconnections:eu-west-1:123456789012:connection/abc' }),
      environments: [
        { name: 'dev', integrationTestCommands: ['echo "dev-check $SERVICE_URL"'] },
        { name: 'staging', integrationTestCommands: ['echo "staging-check-1 $SERVICE_URL"', 'test "$FAIL_STAGING" != 1', 'echo staging-check-2'] },
        { name: 'prod', production: true },
      ],
    });
    const projects = Object.values<any>(Template.fromStack(stack).findResources('AWS::CodeBuild::Project'))
      .filter(p => p.Properties.VpcConfig);
    // THEN there is one shared project
    expect(projects).toHaveLength(1);
    commands = JSON.parse(projects[0].Properties.Source.BuildSpec).phases.build.commands;
  });

  function run(env: Record<string, string>): { status: number | null; output: string } {
    const script = commands.map(c => `${c}\nrc=$?; if [ $rc -ne 0 ]; then echo "COMMAND FAILED ($rc)"; exit $rc; fi`).join('\n');
    const result = spawnSync('bash', ['-c', script], { env: { PATH: process.env.PATH, SERVICE_URL: 'http://alb.example', ...env }, encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  test('staging runs only its own commands, in order, with SERVICE_URL', () => {
    // WHEN
    const { status, output } = run({ ENVIRONMENT_NAME: 'staging' });
    // THEN
    expect(status).toBe(0);
    expect(output).toContain('staging-check-1 http://alb.example');
    expect(output.indexOf('staging-check-1')).toBeLessThan(output.indexOf('staging-check-2'));
    expect(output).not.toContain('dev-check');
  });

  test('dev runs only its own commands', () => {
    const { status, output } = run({ ENVIRONMENT_NAME: 'dev' });
    expect(status).toBe(0);
    expect(output).toContain('dev-check http://alb.example');
    expect(output).not.toContain('staging-check');
  });

  test('a failing command fails the build before the next one', () => {
    const { status, output } = run({ ENVIRONMENT_NAME: 'staging', FAIL_STAGING: '1' });
    expect(status).not.toBe(0);
    expect(output).toContain('COMMAND FAILED');
    expect(output).not.toContain('staging-check-2');
  });

  test('an environment without tests is refused rather than passing silently', () => {
    const { status, output } = run({ ENVIRONMENT_NAME: 'prod' });
    expect(status).not.toBe(0);
    expect(output).toContain("Unknown ENVIRONMENT_NAME 'prod'");
  });
});
