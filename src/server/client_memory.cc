// What one connection holds (Connection::Memory) and every connection's (Server::ClientMemories,
// for MEMORY TOP CLIENTS). A running command's heap growth (memory/command_memory.h) counts as
// its client's memory: a reply being built, the values an MGET gathered before writing them.
#include "common/heap_bytes.h"
#include "memory/command_memory.h"
#include "server/connection.h"
#include "server/server.h"
#include "server/worker.h"

namespace mnemo {

ClientMemory Connection::Memory() const {
  ClientMemory m;
  m.id = id_;
  m.addr = addr_;
  m.name = name_;
  m.ns = ns_;
  m.qbuf = in_.size() - in_pos_;
  m.query_buffer = query_buffer_bytes();
  m.omem = HeapBytes(out_);
  m.multi_mem = txn_.memory();
  // While this connection's command runs (CLIENT INFO asks about itself, EXEC runs its queue),
  // the heap growth since it began includes its buffers' growth since they were last accounted
  // (AccountBuffers: the same figures): that part is in query_buffer, multi_mem and omem already.
  uint64_t held = CommandMeter::HoldingOf(id_);
  uint64_t grown = 0;
  if (m.query_buffer + m.multi_mem > accounted_query_)
    grown += m.query_buffer + m.multi_mem - accounted_query_;
  if (m.omem > accounted_reply_) grown += m.omem - accounted_reply_;
  m.running = held > grown ? held - grown : 0;
  m.tot_mem = m.query_buffer + m.omem + m.multi_mem + m.running + sizeof(*this);
  return m;
}

std::vector<ClientMemory> Server::ClientMemories() {
  std::vector<ClientMemory> out;
  ForEachWorker([&](Worker& w) {
    for (Connection* c : w.Connections()) out.push_back(c->Memory());
  });
  return out;
}

}  // namespace mnemo
