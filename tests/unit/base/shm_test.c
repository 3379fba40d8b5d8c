// SPDX-License-Identifier: MIT
/* Memory and locks shared with children of fork() (base/shm.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/shm.h"
#include "harness.h"

/* What a child writes, its parent reads: the memory is one. */
TEST(shm, shared_memory_is_one_in_parent_and_child)
{
	int *shared = shm_zalloc(sizeof(int), true), *priv = shm_zalloc(sizeof(int), false);
	int st;
	pid_t pid;

	ASSERT_TRUE(shared && priv);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (!pid) {
		*shared = 7;
		*priv = 7;
		_exit(0);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_EQ(*shared, 7);
	EXPECT_EQ(*priv, 0);
	shm_free(shared, sizeof(int));
	shm_free(priv, sizeof(int));
}

/* A process killed holding a lock leaves it to the next waiter, which is
 * told (1) so that it can make whole what the lock protected. */
TEST(shm, a_lock_whose_holder_died_is_taken_over)
{
	struct shm_lock *l = shm_zalloc(sizeof(*l), true);
	int *step = shm_zalloc(sizeof(int), true), st;
	pid_t pid;

	ASSERT_TRUE(l && step);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (!pid) {
		(void)shm_lock(l);
		__atomic_store_n(step, 1, __ATOMIC_SEQ_CST);
		pause();
		_exit(0);
	}
	while (!__atomic_load_n(step, __ATOMIC_SEQ_CST))
		usleep(1000);
	EXPECT_EQ(shm_trylock(l), -EBUSY);
	kill(pid, SIGKILL);
	/* A zombie holds nothing either. */
	EXPECT_EQ(shm_lock(l), 1);
	shm_unlock(l);
	EXPECT_EQ(shm_lock(l), 0);
	shm_unlock(l);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	shm_free(l, sizeof(*l));
	shm_free(step, sizeof(int));
}

static struct shm_rlock rl;
static int rl_count;

static void *rl_other(void *arg)
{
	(void)arg;
	return (void *)(long)shm_rlock_trylock(&rl);
}

/* Recursive for its holder, by the kernel's thread id; not for others. */
TEST(shm, a_recursive_lock_lets_its_holder_in_again)
{
	pthread_t th;
	void *ret;

	EXPECT_EQ(shm_rlock_lock(&rl), 0);
	EXPECT_EQ(shm_rlock_lock(&rl), 0);
	rl_count++;
	ASSERT_EQ(pthread_create(&th, NULL, rl_other, NULL), 0);
	ASSERT_EQ(pthread_join(th, &ret), 0);
	EXPECT_EQ((long)ret, -EBUSY);
	shm_rlock_unlock(&rl);
	ASSERT_EQ(pthread_create(&th, NULL, rl_other, NULL), 0);
	ASSERT_EQ(pthread_join(th, &ret), 0);
	EXPECT_EQ((long)ret, -EBUSY);
	shm_rlock_unlock(&rl);
	ASSERT_EQ(pthread_create(&th, NULL, rl_other, NULL), 0);
	ASSERT_EQ(pthread_join(th, &ret), 0);
	EXPECT_EQ((long)ret, 0);
	EXPECT_EQ(rl_count, 1);
}

/* A thread or process that is gone, or a zombie, is not alive. */
TEST(shm, tid_alive_tells_the_living)
{
	pid_t pid = fork();
	int st;

	ASSERT_TRUE(pid >= 0);
	if (!pid)
		_exit(0);
	usleep(50 * 1000);
	EXPECT_TRUE(shm_tid_alive(getpid()));
	EXPECT_TRUE(shm_tid_alive(shm_self_tid()));
	EXPECT_TRUE(!shm_tid_alive(pid));
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(!shm_tid_alive(pid));
	EXPECT_TRUE(!shm_tid_alive(0));
}

/* A child of fork() maps what it shares until it executes another
 * program: shm_maps_at() tells the two apart, by the mapping's start. */
TEST(shm, maps_at_tells_a_child_that_execed)
{
	int *shared = shm_zalloc(4096, true), pipefd[2], st;
	char c;
	pid_t pid;

	ASSERT_TRUE(shared != NULL);
	EXPECT_TRUE(shm_maps_at(getpid(), shared));
	EXPECT_TRUE(!shm_maps_at(getpid(), (char *)shared + 8));
	ASSERT_EQ(pipe(pipefd), 0);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (!pid) {
		close(pipefd[0]);
		/* Before exec the child has it; the pipe's end goes at exec. */
		fcntl(pipefd[1], F_SETFD, FD_CLOEXEC);
		usleep(200 * 1000);
		execl("/bin/sleep", "sleep", "5", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	EXPECT_TRUE(shm_maps_at(pid, shared));
	/* EOF once the exec closed the child's end. */
	EXPECT_EQ(read(pipefd[0], &c, 1), 0);
	EXPECT_TRUE(!shm_maps_at(pid, shared));
	kill(pid, SIGKILL);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(!shm_maps_at(pid, shared));
	close(pipefd[0]);
	shm_free(shared, 4096);
}

/* A child that maps and unmaps memory all the while (the C library's
 * arenas, an emulator thread's stack) still maps what it shares: every
 * look says so. */
TEST_T(shm, maps_at_is_never_wrong_about_a_busy_child, 60)
{
	char *shared = shm_zalloc(4096, true);
	int i, missed = 0, st;
	pid_t pid;

	ASSERT_TRUE(shared != NULL);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (!pid) {
		/* Right beside it too, where a mapping can go and come. */
		for (i = 0;; i++) {
			char *want = i & 1 ? shared + 4096 : shared - (1 << 20);
			void *m = mmap(want, 1 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS |
					       (i & 2 ? MAP_FIXED_NOREPLACE : 0),
				       -1, 0);

			if (m != MAP_FAILED) {
				mprotect((char *)m + 4096, 4096, PROT_NONE);
				munmap(m, 1 << 20);
			}
		}
	}
	for (i = 0; i < 20000; i++)
		missed += !shm_maps_at(pid, shared);
	kill(pid, SIGKILL);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_EQ(missed, 0);
	shm_free(shared, 4096);
}
