import { Stack } from 'aws-cdk-lib';
import * as notifications from 'aws-cdk-lib/aws-codestarnotifications';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/**
 * The notification topic as a notification-rule target. `Topic.bindAsNotificationRuleTarget`
 * (aws-sns/lib/topic-base.js) grants publishing, and the key's use, to the bare
 * `codestar-notifications.amazonaws.com` principal: any account's notification rule could then
 * publish to the topic (confused deputy). This target makes the same grants with the principal
 * limited to this account's notification rules (`aws:SourceAccount`, which AWS's notification
 * set-up guide uses for these topics). No `aws:SourceArn`: no AWS document confirms that
 * CodeStar Notifications sends it, and a condition on a missing key would silently drop every
 * notification; the rule's own ARN could not be named anyway (the rule depends on the topic,
 * which depends on the key).
 */
export function notificationTarget(scope: Construct, topic: sns.ITopic): notifications.INotificationRuleTarget {
  const stack = Stack.of(scope);
  const principal = new iam.ServicePrincipal('codestar-notifications.amazonaws.com').withConditions({
    StringEquals: { 'aws:SourceAccount': stack.account },
  });
  return {
    bindAsNotificationRuleTarget: () => {
      topic.grantPublish(principal);
      return { targetType: 'SNS', targetAddress: topic.topicArn };
    },
  };
}

/** An encrypted topic (SSL enforced) created in `scope` as `id`, with an e-mail subscription per address. */
export function createTopic(scope: Construct, id: string, masterKey: kms.IKey, emails: string[]): sns.Topic {
  const topic = new sns.Topic(scope, id, { masterKey, enforceSSL: true });
  for (const email of new Set(emails)) {
    topic.addSubscription(new subscriptions.EmailSubscription(email));
  }
  return topic;
}
