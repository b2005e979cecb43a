/**
 * integ: HTTPS with an ACM certificate: 443 production listener, 8443 test listener, HTTP 80
 * redirect, an internal ALB reachable from the VPC only, on a domain name the certificate covers
 * with an alias record in a (private) hosted zone.
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { BlueGreenFargateService } from '../src';

const app = new App();
const stack = new Stack(app, 'EcsCiCdHttps');
const certificate = acm.Certificate.fromCertificateArn(stack, 'Certificate',
  'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555');
const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  zoneName: 'internal.acme.example',
});
new BlueGreenFargateService(stack, 'Web', {
  certificate,
  domainName: 'web.internal.acme.example',
  hostedZone,
  internetFacing: false,
  production: true,
  // The integ run deletes the stack afterwards: production's default deletion protection would block it.
  loadBalancerDeletionProtection: false,
  healthCheckPath: '/healthz',
});
new IntegTest(app, 'Https', { testCases: [stack] });
