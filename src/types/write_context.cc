#include "types/write_context.h"

#include <algorithm>

namespace mnemo {

WriteContext::WriteContext(Storage* storage) : storage_(storage), batch_(storage, true) {}

WriteContext::~WriteContext() {
  // Owners commit before they reply; this only runs if one is torn down mid-command.
  (void)Commit();
}

bool WriteContext::Holds(std::string_view meta_key) const {
  return held_set_.test(storage_->locks()->StripeOf(meta_key));
}

bool WriteContext::TryLock(std::string_view meta_key) {
  size_t stripe = storage_->locks()->StripeOf(meta_key);
  if (held_set_.test(stripe)) return true;
  if (!storage_->locks()->Stripe(stripe).try_lock()) return false;
  held_.push_back(stripe);
  held_set_.set(stripe);
  return true;
}

void WriteContext::ReleaseStripes() {
  for (size_t stripe : held_) {
    storage_->locks()->Stripe(stripe).unlock();
    held_set_.reset(stripe);
  }
  held_.clear();
}

void WriteContext::Lock(std::string_view meta_key) {
  if (TryLock(meta_key)) return;
  if (no_wait_) {
    contended_.emplace_back(meta_key);
    return;
  }
  if (committer_) {
    committer_();
  } else {
    (void)Commit();
  }
  WaitFor({storage_->locks()->StripeOf(meta_key)});
}

void WriteContext::Lock(const std::vector<std::string>& meta_keys) {
  bool all = true;
  for (const auto& k : meta_keys) {
    if (!TryLock(k)) {
      all = false;
      if (!no_wait_) break;
      contended_.push_back(k);
    }
  }
  if (all || no_wait_) return;
  if (committer_) {
    committer_();
  } else {
    (void)Commit();
  }
  std::vector<size_t> stripes;
  for (const auto& k : meta_keys) stripes.push_back(storage_->locks()->StripeOf(k));
  WaitFor(std::move(stripes));
}

void WriteContext::WaitFor(std::vector<size_t> stripes) {
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  for (size_t s : stripes) {
    storage_->locks()->Stripe(s).lock();
    held_set_.set(s);
  }
  held_ = std::move(stripes);
}

void WriteContext::BeginCommand() {
  in_command_ = true;
  command_commits_ = commits_;
  batch_.SetSavePoint();
}

void WriteContext::RollbackCommand() {
  if (!in_command_) return;
  in_command_ = false;
  if (commits_ == command_commits_) {
    batch_.RollbackToSavePoint();
  } else {
    batch_.Clear();  // everything before the command was committed: what is left is its own
  }
}

void WriteContext::EndCommand() {
  if (!in_command_) return;
  in_command_ = false;
  if (commits_ == command_commits_) batch_.PopSavePoint();
}

void WriteContext::Abandon() {
  batch_.Clear();
  contended_.clear();
  ReleaseStripes();
  written_.clear();
  RunAfterCommit(Status::IOError("the writes were dropped"));
}

void WriteContext::RunAfterCommit(const Status& s) {
  if (after_commit_.empty()) return;
  std::vector<std::function<void(const Status&)>> actions;
  actions.swap(after_commit_);
  for (auto& a : actions) a(s);
}

Status WriteContext::Commit() {
  // Stripes are held while writing, so the key cache and counters see writes in commit order.
  Status s = storage_->Write(&batch_);
  commits_++;
  ReleaseStripes();
  batch_.Clear();
  RunAfterCommit(s);
  return s;
}

}  // namespace mnemo
