#include "vhd/stream_parser.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "vhd/endian.h"

namespace xcr::vhd {
namespace {

std::string_view FooterFieldAt(size_t byte) {
  struct Field {
    size_t end;
    std::string_view name;
  };
  static constexpr Field kFields[] = {
      {8, "cookie"},           {12, "features"},        {16, "file format version"},
      {24, "data offset"},     {28, "timestamp"},       {32, "creator application"},
      {36, "creator version"}, {40, "creator host OS"}, {48, "original size"},
      {56, "current size"},    {60, "disk geometry"},   {64, "disk type"},
      {68, "checksum"},        {84, "unique id"},       {85, "saved state"},
      {512, "reserved"}};
  for (const Field& f : kFields) {
    if (byte < f.end) return f.name;
  }
  return "reserved";
}

std::string Str(uint64_t v) { return std::to_string(v); }

}  // namespace

StreamParser::StreamParser(StreamVisitor* visitor) : visitor_(visitor) {
  StartBuffer(State::kFooterCopy, kFooterSize);
}

Status StreamParser::Fail(Status s) {
  state_ = State::kFailed;
  status_ = std::move(s);
  return status_;
}

void StreamParser::StartBuffer(State s, uint64_t size) {
  state_ = s;
  buf_.clear();
  // Grows with the bytes that actually arrive: a header cannot make us allocate ahead of data.
  buf_.reserve(static_cast<size_t>(std::min<uint64_t>(size, 64 << 10)));
  region_end_ = pos_ + size;
}

uint64_t StreamParser::WantBytes() const {
  if (state_ == State::kDone || state_ == State::kFailed) return 0;
  return region_end_ - pos_;
}

bool StreamParser::InBlockData(uint32_t* index, uint64_t* offset) const {
  if (state_ != State::kData) return false;
  *index = current_block_;
  *offset = pos_ - data_start_;
  return true;
}

Status StreamParser::Feed(std::span<const uint8_t> data) {
  if (!status_.ok()) return status_;
  while (!data.empty()) {
    uint64_t left = region_end_ - pos_;
    size_t n = static_cast<size_t>(std::min<uint64_t>(left, data.size()));
    switch (state_) {
      case State::kDone:
        return Fail(Status::Corruption("VHD stream: " + Str(data.size()) +
                                       " unexpected bytes after the trailing footer at offset " +
                                       Str(pos_)));
      case State::kFailed:
        return status_;
      case State::kSkip:
      case State::kLocator:
        pos_ += n;
        data = data.subspan(n);
        if (pos_ == region_end_) {
          if (Status s = Advance(); !s.ok()) return Fail(s);
        }
        break;
      case State::kData: {
        Status s = visitor_->OnBlockData(current_block_, pos_ - data_start_, data.first(n));
        if (!s.ok()) return Fail(s);
        pos_ += n;
        data = data.subspan(n);
        if (pos_ == region_end_) {
          if (s = visitor_->OnBlockEnd(current_block_); !s.ok()) return Fail(s);
          if (s = Advance(); !s.ok()) return Fail(s);
        }
        break;
      }
      default:  // buffered metadata
        buf_.insert(buf_.end(), data.begin(), data.begin() + n);
        pos_ += n;
        data = data.subspan(n);
        if (pos_ == region_end_) {
          if (Status s = OnBuffered(); !s.ok()) return Fail(s);
        }
        break;
    }
  }
  return Status::OK();
}

Status StreamParser::Finish() {
  if (!status_.ok()) return status_;
  if (state_ == State::kDone) return Status::OK();
  std::string what;
  switch (state_) {
    case State::kFooterCopy:
      what = "the footer copy";
      break;
    case State::kHeader:
      what = "the dynamic header";
      break;
    case State::kBat:
      what = "the BAT";
      break;
    case State::kBitmap:
      what = "the bitmap of block " + Str(current_block_);
      break;
    case State::kData:
      what = "the data of block " + Str(current_block_);
      break;
    case State::kFooter:
      what = "the trailing footer";
      break;
    default:
      what = "the bytes up to offset " + Str(region_end_);
      break;
  }
  return Fail(Status::Corruption("VHD stream truncated at offset " + Str(pos_) + " while reading " +
                                 what + " (" + Str(region_end_ - pos_) + " more bytes expected" +
                                 (metadata_ready_ ? ", stream length " + Str(total_length_) : "") +
                                 ")"));
}

Status StreamParser::OnBuffered() {
  switch (state_) {
    case State::kFooterCopy: {
      XCR_ASSIGN_OR_RETURN(footer_, ParseFooter(buf_, 0));
      if (footer_.disk_type == DiskType::kFixed) {
        return Status::NotSupported(
            "VHD stream: the footer copy at offset 0 describes a fixed disk; only dynamic and "
            "differencing disks can be streamed");
      }
      footer_copy_ = buf_;
      StartBuffer(State::kHeader, kHeaderSize);
      return Status::OK();
    }
    case State::kHeader: {
      XCR_ASSIGN_OR_RETURN(header_, ParseHeader(buf_, kHeaderOffset));
      XCR_RETURN_IF_ERROR(ValidateHeaderForFooter(header_, footer_));
      XCR_RETURN_IF_ERROR(ParseMetadataRegions());
      return Advance();
    }
    case State::kBat:
      XCR_RETURN_IF_ERROR(ParseBat());
      metadata_ready_ = true;
      XCR_RETURN_IF_ERROR(visitor_->OnMetadata(*this));
      return Advance();
    case State::kBitmap: {
      XCR_RETURN_IF_ERROR(visitor_->OnBlockBegin(current_block_, buf_));
      state_ = State::kData;
      data_start_ = pos_;
      region_end_ = pos_ + header_.block_size;
      return Status::OK();
    }
    case State::kFooter: {
      if (std::memcmp(buf_.data(), footer_copy_.data(), kFooterSize) != 0) {
        size_t i = 0;
        while (buf_[i] == footer_copy_[i]) ++i;
        return Status::Corruption("VHD trailing footer at offset " + Str(pos_ - kFooterSize) +
                                  " differs from the copy at offset 0 in field '" +
                                  std::string(FooterFieldAt(i)) + "' (byte " + Str(i) + ")");
      }
      state_ = State::kDone;
      return visitor_->OnEnd();
    }
    default:
      return Status::Internal("VHD stream parser: bad state");
  }
}

Status StreamParser::ParseMetadataRegions() {
  meta_.push_back(
      {header_.table_offset, header_.table_offset + BatBytes(header_.max_table_entries), -1});
  for (int i = 0; i < kNumLocators; ++i) {
    const ParentLocator& l = header_.locators[i];
    if (l.platform_code == 0 || l.data_length == 0) continue;
    meta_.push_back({l.data_offset, l.data_offset + l.SpaceBytes(), i});
  }
  std::sort(meta_.begin(), meta_.end(),
            [](const MetaRegion& a, const MetaRegion& b) { return a.start < b.start; });
  uint64_t prev_end = kHeaderOffset + kHeaderSize;
  std::string prev = "the header";
  for (const MetaRegion& r : meta_) {
    std::string name = r.locator < 0 ? "BAT" : "parent locator " + Str(r.locator);
    if (r.start < prev_end) {
      return Status::Corruption("VHD dynamic header: " + name + " at offset " + Str(r.start) +
                                " overlaps " + prev + " (ends at " + Str(prev_end) + ")");
    }
    prev_end = r.end;
    prev = name;
  }
  return Status::OK();
}

Status StreamParser::ParseBat() {
  uint64_t count = BlockCount(footer_.current_size, header_.block_size);
  bat_.resize(header_.max_table_entries);
  for (uint32_t i = 0; i < header_.max_table_entries; ++i) {
    uint32_t e = LoadBE32(buf_.data() + 4 * uint64_t{i});
    bat_[i] = e;
    if (e == kUnallocated) continue;
    if (i >= count) {
      return Status::Corruption(
          "VHD BAT entry " + Str(i) + " at offset " + Str(header_.table_offset + 4 * uint64_t{i}) +
          ": block allocated beyond the virtual size (" + Str(count) + " blocks)");
    }
    blocks_.push_back({e, i});
  }
  std::sort(blocks_.begin(), blocks_.end(),
            [](const BlockRef& a, const BlockRef& b) { return a.sector < b.sector; });
  block_bytes_ = uint64_t{BitmapSize(header_.block_size)} + header_.block_size;
  uint64_t bat_end = header_.table_offset + BatBytes(header_.max_table_entries);
  // Walk blocks and metadata regions in file order: nothing may overlap, and no block may come
  // before the BAT (the parser is past it and cannot seek back).
  uint64_t end = bat_end;
  size_t m = 0;
  uint64_t prev_end = kHeaderOffset + kHeaderSize;
  std::string prev = "the header";
  for (const BlockRef& b : blocks_) {
    uint64_t start = uint64_t{b.sector} * kSectorSize;
    std::string where = "VHD BAT entry " + Str(b.index) + " at offset " +
                        Str(header_.table_offset + 4 * uint64_t{b.index}) + ": block at offset " +
                        Str(start);
    if (start < bat_end) {
      return Status::Corruption(where + " lies before the end of the BAT (" + Str(bat_end) +
                                "): overlapping metadata or needing a backward seek");
    }
    while (m < meta_.size() && meta_[m].start <= start) {
      if (meta_[m].start < prev_end) {
        return Status::Corruption("VHD parent locator " + Str(meta_[m].locator) + " at offset " +
                                  Str(meta_[m].start) + " overlaps " + prev);
      }
      prev_end = meta_[m].end;
      prev = meta_[m].locator < 0 ? "the BAT" : "parent locator " + Str(meta_[m].locator);
      ++m;
    }
    if (start < prev_end) {
      return Status::Corruption(where + " overlaps " + prev + " (ends at " + Str(prev_end) + ")");
    }
    prev_end = start + block_bytes_;
    prev = "block " + Str(b.index);
  }
  for (; m < meta_.size(); ++m) {
    if (meta_[m].start < prev_end) {
      return Status::Corruption("VHD parent locator " + Str(meta_[m].locator) + " at offset " +
                                Str(meta_[m].start) + " overlaps " + prev);
    }
    prev_end = meta_[m].end;
  }
  end = std::max(end, prev_end);
  total_length_ = end + kFooterSize;
  return Status::OK();
}

Status StreamParser::Advance() {
  // The next region in file order: a metadata region (BAT, locator) or, once the BAT is known,
  // a block; else the trailing footer.
  bool have_meta = next_meta_ < meta_.size();
  bool have_block = metadata_ready_ && next_block_ < blocks_.size();
  uint64_t meta_start = have_meta ? meta_[next_meta_].start : UINT64_MAX;
  uint64_t block_start =
      have_block ? uint64_t{blocks_[next_block_].sector} * kSectorSize : UINT64_MAX;
  uint64_t start;
  if (have_meta || have_block) {
    start = std::min(meta_start, block_start);
  } else if (metadata_ready_) {
    start = total_length_ - kFooterSize;
  } else {
    return Status::Internal("VHD stream parser: no BAT region");
  }
  if (pos_ > start) {
    return Status::Corruption("VHD stream: region at offset " + Str(start) +
                              " starts before the current position " + Str(pos_));
  }
  if (pos_ < start) {
    if (state_ != State::kSkip || region_end_ != start) {
      state_ = State::kSkip;
      region_end_ = start;
      return Status::OK();
    }
  }
  if (!have_meta && !have_block) {
    StartBuffer(State::kFooter, kFooterSize);
  } else if (meta_start <= block_start) {
    const MetaRegion& r = meta_[next_meta_++];
    if (r.locator < 0) {
      StartBuffer(State::kBat, r.end - r.start);
    } else {
      state_ = State::kLocator;
      region_end_ = r.end;
    }
  } else {
    current_block_ = blocks_[next_block_++].index;
    StartBuffer(State::kBitmap, BitmapSize(header_.block_size));
  }
  return Status::OK();
}

}  // namespace xcr::vhd
