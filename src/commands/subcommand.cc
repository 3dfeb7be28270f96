#include "commands/subcommand.h"

#include "common/string_util.h"

namespace mnemo {

namespace {

std::string UpperName(const CommandContext& ctx) {
  std::string upper = ctx.spec->name;
  for (char& c : upper) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return upper;
}

}  // namespace

Status SubcommandSyntaxError(const CommandContext& ctx) {
  return Status::InvalidArgument("unknown subcommand or wrong number of arguments for '" +
                                 ctx.args[1].substr(0, 128) + "'. Try " + UpperName(ctx) +
                                 " HELP.");
}

Status RunSubcommand(CommandContext& ctx, std::span<const Subcommand> table) {
  for (const Subcommand& sub : table) {
    if (!EqualsIgnoreCase(ctx.args[1], sub.name)) continue;
    int argc = static_cast<int>(ctx.argc());
    if ((sub.arity > 0 && argc != sub.arity) || (sub.arity < 0 && argc < -sub.arity)) {
      return Status::InvalidArgument("wrong number of arguments for '" +
                                     std::string(ctx.spec->name) + "|" + sub.name + "' command");
    }
    ctx.client.NoteSubcommand(sub.name);
    return sub.run(ctx);
  }
  return Status::InvalidArgument("unknown subcommand '" + ctx.args[1].substr(0, 128) + "'. Try " +
                                 UpperName(ctx) + " HELP.");
}

}  // namespace mnemo
