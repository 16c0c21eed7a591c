import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.QueryResult;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.subscription.SubscriptionGroupConfig;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * The independent RocketMQ peer of the polybus tests, on Apache RocketMQ's own Java client and admin
 * tools (remoting protocol, straight to the name server and broker; no proxy, no polybus code).
 *
 *   topics  <namesrv> <topic>...                                 create topics (4 queues) on every master
 *   produce <namesrv> <topic> <tag> <key> <body-base64> [k=v]... send one message, print its id
 *   consume <namesrv> <topic> <group> <count> <timeout-ms>       print <count> messages as JSON lines
 *   subgroup <namesrv> <group> <retry-max-times>                  create or update a consumer group
 *   query-key <namesrv> <topic> <key>                             print the messages with that key (index)
 */
public final class RocketmqTool {
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "topics" -> topics(args);
      case "produce" -> produce(args);
      case "consume" -> consume(args);
      case "subgroup" -> subgroup(args);
      case "query-key" -> queryKey(args);
      default -> throw new IllegalArgumentException("unknown command " + args[0]);
    }
    System.exit(0);
  }

  private static void topics(String[] args) throws Exception {
    DefaultMQAdminExt admin = admin(args[1]);
    try {
      ClusterInfo cluster = admin.examineBrokerClusterInfo();
      for (int i = 2; i < args.length; i++) {
        TopicConfig config = new TopicConfig(args[i], 4, 4);
        for (BrokerData broker : cluster.getBrokerAddrTable().values()) {
          admin.createAndUpdateTopicConfig(broker.selectBrokerAddr(), config);
        }
      }
      System.out.println("created " + (args.length - 2));
    } finally {
      admin.shutdown();
    }
  }

  private static DefaultMQAdminExt admin(String namesrv) throws Exception {
    DefaultMQAdminExt admin = new DefaultMQAdminExt();
    admin.setNamesrvAddr(namesrv);
    admin.setInstanceName("polybus-test-admin-" + ProcessHandle.current().pid());
    admin.start();
    return admin;
  }

  private static void subgroup(String[] args) throws Exception {
    DefaultMQAdminExt admin = admin(args[1]);
    try {
      SubscriptionGroupConfig config = new SubscriptionGroupConfig();
      config.setGroupName(args[2]);
      config.setRetryMaxTimes(Integer.parseInt(args[3]));
      for (BrokerData broker : admin.examineBrokerClusterInfo().getBrokerAddrTable().values()) {
        admin.createAndUpdateSubscriptionGroupConfig(broker.selectBrokerAddr(), config);
      }
      System.out.println("group " + args[2]);
    } finally {
      admin.shutdown();
    }
  }

  private static void queryKey(String[] args) throws Exception {
    DefaultMQAdminExt admin = admin(args[1]);
    try {
      QueryResult result = admin.queryMessage(args[2], args[3], 32, 0, Long.MAX_VALUE);
      for (MessageExt m : result.getMessageList()) System.out.println(line(m));
    } finally {
      admin.shutdown();
    }
  }

  private static void produce(String[] args) throws Exception {
    DefaultMQProducer producer = new DefaultMQProducer("polybus-test-producer");
    producer.setNamesrvAddr(args[1]);
    producer.setInstanceName("polybus-test-producer-" + ProcessHandle.current().pid());
    producer.start();
    try {
      Message message = new Message(args[2], args[3], args[4], Base64.getDecoder().decode(args[5]));
      for (int i = 6; i < args.length; i++) {
        int eq = args[i].indexOf('=');
        message.putUserProperty(args[i].substring(0, eq), args[i].substring(eq + 1));
      }
      SendResult result = producer.send(message);
      System.out.println("{\"status\":" + json(result.getSendStatus().name()) + ",\"msgId\":" + json(result.getMsgId()) + "}");
    } finally {
      producer.shutdown();
    }
  }

  private static void consume(String[] args) throws Exception {
    int count = Integer.parseInt(args[4]);
    CountDownLatch latch = new CountDownLatch(count);
    DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(args[3]);
    consumer.setNamesrvAddr(args[1]);
    consumer.setInstanceName("polybus-test-consumer-" + ProcessHandle.current().pid());
    consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    consumer.subscribe(args[2], "*");
    consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
      synchronized (RocketmqTool.class) {
        for (MessageExt m : messages) {
          if (latch.getCount() == 0) break;
          System.out.println(line(m));
          latch.countDown();
        }
        System.out.flush();
      }
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    consumer.start();
    boolean all = latch.await(Long.parseLong(args[5]), TimeUnit.MILLISECONDS);
    consumer.shutdown();
    if (!all) {
      System.err.println("timed out with " + latch.getCount() + " messages missing");
      System.exit(3);
    }
  }

  /** System properties that are not the producer's own (left out of "properties"). */
  private static final Set<String> SYSTEM = MessageConst.STRING_HASH_SET;

  private static String line(MessageExt m) {
    StringBuilder props = new StringBuilder("{");
    for (Map.Entry<String, String> e : m.getProperties().entrySet()) {
      if (SYSTEM.contains(e.getKey())) continue;
      if (props.length() > 1) props.append(',');
      props.append(json(e.getKey())).append(':').append(json(e.getValue()));
    }
    props.append('}');
    return "{\"msgId\":" + json(m.getMsgId()) + ",\"topic\":" + json(m.getTopic()) + ",\"tags\":" + json(m.getTags())
        + ",\"keys\":" + json(m.getKeys()) + ",\"body\":" + json(Base64.getEncoder().encodeToString(m.getBody()))
        + ",\"reconsumeTimes\":" + m.getReconsumeTimes() + ",\"properties\":" + props + "}";
  }

  private static String json(String s) {
    if (s == null) return "null";
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
        }
      }
    }
    return out.append('"').toString();
  }

}
