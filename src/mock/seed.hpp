#pragma once
// The seeded data of a simulated workspace: realistic and deterministic. The same (seed,
// workspace id, day of `now`) always gives the same users, clients, projects, tasks, tags, groups,
// custom fields and time entries, ids included.
#include <cstdint>
#include <string>

#include "mock/model.hpp"

namespace uwh::mock {

struct SeedSizes {
  int users = 8;          // users[0] OWNER, users[1] ADMIN
  int clients = 6;        // the last one archived
  int projects = 14;      // most with tasks; one without client, one archived
  int tags = 56;          // more than one default page (50)
  int groups = 3;
  int days = 60;          // time entries over the last `days` days (weekdays)
  int max_entries_per_day = 3;  // per user and weekday: 0..max
};

// Builds the workspace. Time entries end before the start of `now`'s UTC day, so two mocks
// started on the same day agree.
Workspace SeedWorkspace(const std::string& workspace_id, uint64_t seed, TimePoint now,
                        const SeedSizes& sizes = {});

// The id of the default workspace for `seed` (24 hex digits).
std::string DefaultWorkspaceId(uint64_t seed);

}  // namespace uwh::mock
