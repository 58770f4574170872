// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the /proc and /sys readers (system sampler, platform facts, process stats) on a fake tree whose file
// contents come from the input: chunks separated by 0xFF bytes fill the files below in order; missing chunks leave
// their files out. Every file is written fresh per input under this process's own root.
#include "collect/platform_facts.h"
#include "collect/process_stats.h"
#include "collect/system_sampler.h"

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

const char* const kFiles[] = {
    "proc/stat",
    "proc/meminfo",
    "proc/self/status",
    "sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq",
    "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
    "sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq",
    "sys/class/thermal/thermal_zone0/type",
    "sys/class/thermal/thermal_zone0/temp",
    "sys/class/devfreq/17000000.gpu/device/of_node/name",
    "sys/class/devfreq/17000000.gpu/device/load",
    "sys/class/devfreq/17000000.gpu/cur_freq",
    "sys/class/devfreq/17000000.gpu/governor",
    "sys/class/devfreq/17000000.gpu/max_freq",
    "sys/bus/i2c/devices/1-0040/name",
    "sys/bus/i2c/devices/1-0040/iio:device0/rail_name_0",
    "sys/bus/i2c/devices/1-0040/iio:device0/in_power0_input",
    "sys/bus/i2c/devices/1-0040/hwmon/hwmon1/in1_label",
    "sys/bus/i2c/devices/1-0040/hwmon/hwmon1/in1_input",
    "sys/bus/i2c/devices/1-0040/hwmon/hwmon1/curr1_input",
    "var/lib/nvpmodel/status",
    "etc/nvpmodel.conf",
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const char* tmp = std::getenv("TMPDIR");
    static const fs::path root = fs::path(tmp && *tmp ? tmp : "/tmp") / ("es-fuzz-sysfs-" + std::to_string(getpid()));
    std::error_code ignored;
    fs::remove_all(root, ignored);
    size_t begin = 0;
    for (const char* file : kFiles) {
        if (begin > size)
            break;
        size_t end = begin;
        while (end < size && data[end] != 0xFF)
            ++end;
        const fs::path path = root / file;
        fs::create_directories(path.parent_path(), ignored);
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(data + begin), std::streamsize(end - begin));
        begin = end + 1;
    }
    es::prof::SamplerOptions options;
    options.root = root.string();
    options.useNvml = false;
    es::prof::SystemSampler sampler(options);
    sampler.sampleOnce(1000000);
    sampler.sampleOnce(101000000);
    (void)sampler.tracks();
    (void)sampler.notes();
    (void)es::prof::readPlatformFacts(root.string());
    (void)es::prof::readProcessStats(root.string());
    return 0;
}
