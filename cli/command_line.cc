#include "cli/command_line.h"

#include <iostream>
#include <map>
#include <memory>

#ifndef XCR_VERSION
#define XCR_VERSION "0.0.0"
#endif

namespace xcr::cli {
namespace {

struct UsageInfo {
  std::string text;
  bool help = false;
  bool version = false;
};

std::map<const CLI::App*, std::unique_ptr<UsageInfo>>& Registry() {
  static auto* registry = new std::map<const CLI::App*, std::unique_ptr<UsageInfo>>();
  return *registry;
}

const std::string& UsageOf(const CLI::App& app) {
  static const std::string kNone;
  auto it = Registry().find(&app);
  return it == Registry().end() ? kNone : it->second->text;
}

// The innermost command the words selected (the app itself when none).
CLI::App* Innermost(CLI::App* app) {
  for (;;) {
    std::vector<CLI::App*> subs = app->get_subcommands();
    if (subs.empty()) return app;
    app = subs.front();
  }
}

std::string FullName(const CLI::App& app, const std::string& tool) {
  std::string name;
  for (const CLI::App* a = &app; a != nullptr && a->get_parent() != nullptr; a = a->get_parent()) {
    name = " " + a->get_name() + name;
  }
  return tool + name;
}

// Words no option or command took, innermost command last; a prefix command's words are its own.
std::vector<std::string> Extras(const CLI::App& app) {
  if (app.get_prefix_command()) return {};
  std::vector<std::string> out = app.remaining(false);
  for (const CLI::App* sub : app.get_subcommands()) {
    std::vector<std::string> more = Extras(*sub);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

}  // namespace

const char* Version() { return XCR_VERSION; }

void SetUsage(CLI::App* app, std::string usage) {
  auto info = std::make_unique<UsageInfo>();
  info->text = std::move(usage);
  if (!info->text.empty() && info->text.back() != '\n') info->text += '\n';
  app->set_help_flag();  // ours below prints the hand-written text
  app->set_help_all_flag();
  app->allow_extras();  // unknown words are reported by Parse, in our words
  app->add_flag("-h,--help", info->help, "print this command's usage and exit");
  if (app->get_parent() == nullptr) {
    app->add_flag("--version", info->version, "print the version and exit");
  } else {
    app->fallthrough();  // client flags may follow the command name
  }
  Registry()[app] = std::move(info);
}

void WordsAreArguments(CLI::App* command) {
  command->preparse_callback([command](size_t) {
    for (CLI::App* at = command; at->get_parent() != nullptr; at = at->get_parent()) {
      for (CLI::App* other : at->get_parent()->get_subcommands([](CLI::App*) { return true; })) {
        if (other != at) other->disabled();
      }
    }
  });
}

int UsageError(const CLI::App& app, const std::string& tool, const std::string& message) {
  std::cerr << tool << ": " << message << "\n" << UsageOf(app);
  return 2;
}

std::optional<int> Parse(CLI::App* app, const std::string& tool, std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  try {
    app->parse(args);
  } catch (const CLI::ParseError& e) {
    CLI::App* at = Innermost(app);
    for (CLI::App* a = at; a != nullptr; a = a->get_parent()) {
      auto it = Registry().find(a);
      if (it != Registry().end() && it->second->help) {
        std::cout << it->second->text;
        return 0;
      }
    }
    return UsageError(*at, FullName(*at, tool), e.what());
  }
  CLI::App* at = Innermost(app);
  for (CLI::App* a = at; a != nullptr; a = a->get_parent()) {
    auto it = Registry().find(a);
    if (it == Registry().end()) continue;
    if (it->second->help) {
      std::cout << it->second->text;
      return 0;
    }
    if (it->second->version) {
      std::cout << tool << " (xcr " << Version() << ")\n";
      return 0;
    }
  }
  std::vector<std::string> extra = Extras(*app);
  if (!extra.empty()) {
    const std::string& w = extra.front();
    if (w.size() > 1 && w[0] == '-' && w != "--") {
      std::string name = w.substr(0, w.find('='));
      return UsageError(*at, FullName(*at, tool), "unknown option " + name);
    }
    const CLI::App* top = app;
    if (at == app && !top->get_subcommands([](const CLI::App*) { return true; }).empty()) {
      return UsageError(*at, tool, "unknown command '" + w + "'");
    }
    return UsageError(*at, FullName(*at, tool), "unexpected argument '" + w + "'");
  }
  return std::nullopt;
}

std::vector<std::string> Values(const CLI::Option* option) {
  if (option == nullptr) return {};
  return option->results();
}

std::vector<std::pair<std::string, std::string>> InOrder(const CLI::App& app) {
  std::vector<std::pair<std::string, std::string>> out;
  std::map<const CLI::Option*, size_t> seen;
  for (const CLI::Option* opt : app.parse_order()) {
    size_t i = seen[opt]++;
    const auto& results = opt->results();
    std::string value = i < results.size() ? results[i] : std::string();
    const auto& names = opt->get_lnames();
    out.emplace_back(names.empty() ? opt->get_name() : "--" + names.front(), value);
  }
  return out;
}

}  // namespace xcr::cli
