// Command documentation as COMMAND DOCS and COMMAND INFO give it: the argument schema, key
// specifications, ACL categories and tips of a command, parsed from the compact text of its
// CommandDoc (commands/command.h) once, when the command table is built.
//
// Argument schema notation (Redis's usage syntax, plus what Redis's argument tree needs):
//   key:key value               arguments separated by spaces; `name` is a string, `name:type`
//                               one of integer, double, key, pattern, unix-time
//   NX  "~"                     a pure token (upper case, or quoted); its name is the token in
//                               lower case unless given: `sorting=ALPHA`
//   EX seconds:integer          a token before an argument (or a group) is that argument's token
//   [GET]                       optional
//   condition(NX|XX)            a oneof group (alternatives separated by `|`), named `condition`
//   offset_count(offset count)  a block (a sequence), named `offset_count`
//   suffixes, in this order:    #n key_spec_index (keys count up from 0 by default), `...`
//                               multiple, `*` multiple_token, `@7.0.0` since, `!2.8.12`
//                               deprecated_since
//   'ip:port'                   a name with other characters than [a-z0-9_-] is quoted
// Example: SET's "key:key value [condition(NX|XX)@2.6.12] [GET@6.2.0] [expiration(EX
// seconds:integer@2.6.12|...|KEEPTTL@6.0.0)]".
//
// Key specification notation: specs separated by ` ; `, each a list of words: an optional
// "quoted note", flags as Redis spells them (RW RO OW RM access update insert delete not_key
// incomplete variable_flags), the begin search (`index:1`, `keyword:STORE,1`, `begin:unknown`)
// and the find step (`range:lastkey,keystep,limit`, `keynum:keynumidx,firstkey,keystep`,
// `find:unknown`).
//
// Thread-safety: parsed values are immutable; the Reply functions only read them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"
#include "common/status.h"
#include "protocol/reply.h"

namespace mnemo {

struct ArgSpec {
  enum class Type {
    kString,
    kInteger,
    kDouble,
    kKey,
    kPattern,
    kUnixTime,
    kPureToken,
    kOneOf,
    kBlock
  };
  enum Flag : uint32_t { kOptional = 1, kMultiple = 2, kMultipleToken = 4 };
  std::string name;
  Type type = Type::kString;
  int key_spec_index = -1;  // -1: none
  std::string token;        // empty: none (a pure token's may be empty only when quoted)
  bool has_token = false;
  std::string since;
  std::string deprecated_since;
  uint32_t flags = 0;
  std::vector<ArgSpec> args;  // of a oneof or block
};

struct KeySpec {
  std::string notes;
  std::vector<std::string> flags;
  enum class Begin { kIndex, kKeyword, kUnknown } begin = Begin::kUnknown;
  int index = 0;        // kIndex
  std::string keyword;  // kKeyword
  int startfrom = 0;    // kKeyword
  enum class Find { kRange, kKeynum, kUnknown } find = Find::kUnknown;
  int a = 0, b = 0, c = 0;  // range: lastkey, keystep, limit; keynum: keynumidx, firstkey, keystep
};

// A CommandDoc's text, parsed.
struct ParsedDoc {
  std::vector<ArgSpec> args;
  std::vector<KeySpec> key_specs;
  std::vector<std::string> acl;
  std::vector<std::string> tips;
};

// InvalidArgument naming the position and what was expected when the text is malformed.
StatusOr<std::vector<ArgSpec>> ParseArgSchema(std::string_view text);
StatusOr<std::vector<KeySpec>> ParseKeySpecs(std::string_view text);
StatusOr<ParsedDoc> ParseDoc(const CommandDoc& doc);

const char* ArgTypeName(ArgSpec::Type type);
// The arguments as Redis's documentation writes them: "key value [NX | XX] [GET] ...".
std::string RenderUsage(const std::vector<ArgSpec>& args);

// COMMAND DOCS: the name and documentation map of one command (one pair of the outer map).
void ReplyCommandDocs(Reply& r, const CommandSpec& spec);
// COMMAND INFO: the 10-element array of one command, its subcommands' included.
void ReplyCommandInfo(Reply& r, const CommandSpec& spec);

}  // namespace mnemo
