#include "cli/terminal_prompt.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <string>

namespace xcr::cli {

PromptFn TerminalPrompt() {
  return [](const std::string& question, bool echo) -> Result<std::string> {
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 || !isatty(fd)) {
      if (fd >= 0) close(fd);
      return Status::FailedPrecondition("no terminal to ask on");
    }
    (void)!write(fd, question.data(), question.size());
    termios old_tio{};
    bool restore = false;
    if (!echo && tcgetattr(fd, &old_tio) == 0) {
      termios tio = old_tio;
      tio.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      restore = tcsetattr(fd, TCSAFLUSH, &tio) == 0;
    }
    std::string answer;
    char c;
    while (answer.size() < 4096 && read(fd, &c, 1) == 1 && c != '\n') answer += c;
    if (restore) {
      tcsetattr(fd, TCSAFLUSH, &old_tio);
      (void)!write(fd, "\n", 1);
    }
    close(fd);
    if (!answer.empty() && answer.back() == '\r') answer.pop_back();
    return answer;
  };
}

bool IsYes(const std::string& answer) { return answer == "y" || answer == "Y" || answer == "yes"; }

}  // namespace xcr::cli
