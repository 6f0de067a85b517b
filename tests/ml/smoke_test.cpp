#include <gtest/gtest.h>

#include "ml/model.hpp"

TEST(Smoke, Builds) { SUCCEED(); }
