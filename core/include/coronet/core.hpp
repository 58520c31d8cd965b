// Everything in coronet::core: tasks, the scheduler, spawning, joining, cancellation, timers,
// deadlines.
#pragma once

#include "coronet/cancellation.hpp"
#include "coronet/deadline.hpp"
#include "coronet/error.hpp"
#include "coronet/scheduler.hpp"
#include "coronet/spawn.hpp"
#include "coronet/task.hpp"
#include "coronet/task_group.hpp"
#include "coronet/timer.hpp"
#include "coronet/when_all.hpp"
#include "coronet/when_any.hpp"
#include "coronet/with_timeout.hpp"
