// Pub/sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE,
// PUBLISH, SPUBLISH and PUBSUB. The registry and delivery are the server's (server/pubsub.h);
// channels are those of the caller's namespace. Without cluster mode the shard channels behave as
// in a single-shard Redis: their own channel table, no pattern matching.
#include "commands/command.h"
#include "commands/registry.h"
#include "commands/subcommand.h"

namespace mnemo {
namespace {

// Redis's reply words per kind: subscribe, unsubscribe.
struct KindWords {
  const char* subscribe;
  const char* unsubscribe;
};
constexpr KindWords kWords[] = {
    {"subscribe", "unsubscribe"}, {"psubscribe", "punsubscribe"}, {"ssubscribe", "sunsubscribe"}};

// The count each (un)subscription reply carries, as Redis counts it: channels and patterns
// together, shard channels apart.
int64_t ReplyCount(CommandContext& ctx, PubSubKind kind) {
  if (kind == PubSubKind::kShard) {
    return static_cast<int64_t>(ctx.client.SubscriptionCount(PubSubKind::kShard));
  }
  return static_cast<int64_t>(ctx.client.SubscriptionCount(PubSubKind::kChannel) +
                              ctx.client.SubscriptionCount(PubSubKind::kPattern));
}

// One reply per name (a push in RESP3): [word, name (null when none), count].
void SubscriptionReply(CommandContext& ctx, const char* word, const std::string* name,
                       PubSubKind kind) {
  ctx.reply.PushHeader(3);
  ctx.reply.Bulk(word);
  if (name != nullptr) {
    ctx.reply.Bulk(*name);
  } else {
    ctx.reply.Null();
  }
  ctx.reply.Integer(ReplyCount(ctx, kind));
}

Status SubscribeKind(CommandContext& ctx, PubSubKind kind) {
  for (size_t i = 1; i < ctx.argc(); i++) {
    ctx.client.Subscribe(kind, ctx.args[i]);
    SubscriptionReply(ctx, kWords[static_cast<size_t>(kind)].subscribe, &ctx.args[i], kind);
  }
  return Status::OK();
}

// Without names: every subscription of the kind, or one reply with a null name when none.
Status UnsubscribeKind(CommandContext& ctx, PubSubKind kind) {
  const char* word = kWords[static_cast<size_t>(kind)].unsubscribe;
  std::vector<std::string> names(ctx.args.begin() + 1, ctx.args.end());
  if (names.empty()) {
    names = ctx.client.Subscriptions(kind);
    if (names.empty()) SubscriptionReply(ctx, word, nullptr, kind);
  }
  for (const std::string& name : names) {
    ctx.client.Unsubscribe(kind, name);
    SubscriptionReply(ctx, word, &name, kind);
  }
  return Status::OK();
}

Status CmdSubscribe(CommandContext& ctx) { return SubscribeKind(ctx, PubSubKind::kChannel); }
Status CmdPSubscribe(CommandContext& ctx) { return SubscribeKind(ctx, PubSubKind::kPattern); }
Status CmdSSubscribe(CommandContext& ctx) { return SubscribeKind(ctx, PubSubKind::kShard); }
Status CmdUnsubscribe(CommandContext& ctx) { return UnsubscribeKind(ctx, PubSubKind::kChannel); }
Status CmdPUnsubscribe(CommandContext& ctx) { return UnsubscribeKind(ctx, PubSubKind::kPattern); }
Status CmdSUnsubscribe(CommandContext& ctx) { return UnsubscribeKind(ctx, PubSubKind::kShard); }

Status CmdPublish(CommandContext& ctx) {
  ctx.reply.Integer(ctx.client.Publish(PubSubKind::kChannel, ctx.args[1], ctx.args[2]));
  return Status::OK();
}

Status CmdSPublish(CommandContext& ctx) {
  ctx.reply.Integer(ctx.client.Publish(PubSubKind::kShard, ctx.args[1], ctx.args[2]));
  return Status::OK();
}

Status ChannelsOf(CommandContext& ctx, PubSubKind kind) {
  const std::string* pattern = ctx.argc() > 2 ? &ctx.args[2] : nullptr;
  if (ctx.argc() > 3) {
    return Status::InvalidArgument("unknown subcommand or wrong number of arguments for '" +
                                   ctx.args[1] + "'. Try PUBSUB HELP.");
  }
  ctx.reply.BulkArray(ctx.server.PubSubChannels(kind, ctx.client.ns(), pattern));
  return Status::OK();
}

Status NumSubOf(CommandContext& ctx, PubSubKind kind) {
  ctx.reply.ArrayHeader((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); i++) {
    ctx.reply.Bulk(ctx.args[i]);
    ctx.reply.Integer(ctx.server.PubSubNumSub(kind, ctx.client.ns(), ctx.args[i]));
  }
  return Status::OK();
}

Status PubSubChannels(CommandContext& ctx) { return ChannelsOf(ctx, PubSubKind::kChannel); }
Status PubSubShardChannels(CommandContext& ctx) { return ChannelsOf(ctx, PubSubKind::kShard); }
Status PubSubNumSub(CommandContext& ctx) { return NumSubOf(ctx, PubSubKind::kChannel); }
Status PubSubShardNumSub(CommandContext& ctx) { return NumSubOf(ctx, PubSubKind::kShard); }

Status PubSubNumPat(CommandContext& ctx) {
  ctx.reply.Integer(ctx.server.PubSubNumPat(ctx.client.ns()));
  return Status::OK();
}

Status PubSubHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      ("    Return the currently active shard level channels matching a <pattern> (default: "
       "'*')."),
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help."};
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply.Simple(line);
  return Status::OK();
}

// clang-format off
const Subcommand kPubSubSubcommands[] = {
    {"channels", -2, PubSubChannels, "List active channels",
     {.since = "2.8.0",
      .complexity = "O(N) where N is the number of active channels, and assuming constant time "
                    "pattern matching (relatively short channels and patterns)",
      .args = "[pattern:pattern]",
      .acl = "@pubsub @slow"}},
    {"numsub", -2, PubSubNumSub, "Get the count of subscribers for channels",
     {.since = "2.8.0",
      .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
      .args = "[channel...]",
      .acl = "@pubsub @slow"}},
    {"numpat", 2, PubSubNumPat, "Get the count of unique patterns pattern subscriptions",
     {.since = "2.8.0", .complexity = "O(1)", .acl = "@pubsub @slow"}},
    {"shardchannels", -2, PubSubShardChannels, "List active shard channels",
     {.since = "7.0.0",
      .complexity = "O(N) where N is the number of active shard channels, and assuming constant "
                    "time pattern matching (relatively short shard channels).",
      .args = "[pattern:pattern]",
      .acl = "@pubsub @slow"}},
    {"shardnumsub", -2, PubSubShardNumSub, "Get the count of subscribers for shard channels",
     {.since = "7.0.0",
      .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested "
                    "shard channels",
      .args = "[shardchannel...]",
      .acl = "@pubsub @slow"}},
    {"help", 2, PubSubHelp, "Show helpful text about the different subcommands",
     {.since = "6.2.0", .complexity = "O(1)", .acl = "@slow"}},
};
// clang-format on

Status CmdPubSub(CommandContext& ctx) { return RunSubcommand(ctx, kPubSubSubcommands); }

constexpr uint32_t kSub = kCmdLoading | kCmdPubSubContext | kCmdNoScript;
constexpr const char* kShardKeys = "not_key index:1 range:-1,1,0";

// clang-format off
const CommandSpec kPubSubCommands[] = {
    {"subscribe", -2, kSub, 0, 0, 0, CmdSubscribe, "pubsub",
     "Listen for messages published to the given channels",
     {.since = "2.0.0",
      .complexity = "O(N) where N is the number of channels to subscribe to.",
      .args = "channel...",
      .acl = "@pubsub @slow",
      .notes = "the caller's namespace's channels; pending messages are bounded by "
               "`client-output-buffer-limit pubsub` (docs/pubsub.md)"}},
    {"unsubscribe", -1, kSub, 0, 0, 0, CmdUnsubscribe, "pubsub",
     "Stop listening for messages posted to the given channels",
     {.since = "2.0.0",
      .complexity = "O(N) where N is the number of clients already subscribed to a channel.",
      .args = "[channel...]",
      .acl = "@pubsub @slow"}},
    {"psubscribe", -2, kSub, 0, 0, 0, CmdPSubscribe, "pubsub",
     "Listen for messages published to channels matching the given patterns",
     {.since = "2.0.0",
      .complexity = "O(N) where N is the number of patterns the client is already subscribed to.",
      .args = "pattern(pattern:pattern)...",
      .acl = "@pubsub @slow"}},
    {"punsubscribe", -1, kSub, 0, 0, 0, CmdPUnsubscribe, "pubsub",
     "Stop listening for messages posted to channels matching the given patterns",
     {.since = "2.0.0",
      .complexity = "O(N+M) where N is the number of patterns the client is already subscribed "
                    "and M is the number of total patterns subscribed in the system (by any "
                    "client).",
      .args = "[pattern:pattern...]",
      .acl = "@pubsub @slow"}},
    {"ssubscribe", -2, kSub, 1, -1, 1, CmdSSubscribe, "pubsub",
     "Listen for messages published to the given shard channels",
     {.since = "7.0.0",
      .complexity = "O(N) where N is the number of shard channels to subscribe to.",
      .args = "shardchannel...",
      .acl = "@pubsub @slow",
      .keys = kShardKeys}},
    {"sunsubscribe", -1, kSub, 1, -1, 1, CmdSUnsubscribe, "pubsub",
     "Stop listening for messages posted to the given shard channels",
     {.since = "7.0.0",
      .complexity = "O(N) where N is the number of clients already subscribed to a shard "
                    "channel.",
      .args = "[shardchannel...]",
      .acl = "@pubsub @slow",
      .keys = kShardKeys}},
    {"publish", 3, kCmdLoading | kCmdFast, 0, 0, 0, CmdPublish, "pubsub",
     "Post a message to a channel",
     {.since = "2.0.0",
      .complexity = "O(N+M) where N is the number of clients subscribed to the receiving channel "
                    "and M is the total number of subscribed patterns (by any client).",
      .args = "channel message",
      .acl = "@pubsub @fast",
      .notes = "channels belong to the caller's namespace; every subscriber gets one publisher's "
               "messages in publish order, across workers (docs/pubsub.md)"}},
    {"spublish", 3, kCmdLoading | kCmdFast, 1, 1, 1, CmdSPublish, "pubsub",
     "Post a message to a shard channel",
     {.since = "7.0.0",
      .complexity = "O(N) where N is the number of clients subscribed to the receiving shard "
                    "channel.",
      .args = "shardchannel message",
      .acl = "@pubsub @fast",
      .keys = "not_key index:1 range:0,1,0"}},
    {"pubsub", -2, 0, 0, 0, 0, CmdPubSub, "pubsub",
     "Pub/sub introspection: CHANNELS, NUMSUB, NUMPAT, SHARDCHANNELS, SHARDNUMSUB, HELP",
     {.since = "2.8.0",
      .complexity = "Depends on subcommand.",
      .acl = "@slow",
      .subcommands = kPubSubSubcommands}},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> PubSubCommands() { return kPubSubCommands; }

}  // namespace mnemo
