//! Generated Chinese names for the demo layers: people's full names from a surname and
//! one or two given-name characters, place-like prefixes for facilities, and Chinese
//! numerals for ordinals ("第三十二小学"). Small built-in lists: the names look real
//! but belong to no one.

use crate::rng::SplitMix64;

/// Common surnames, with those frequent in Guizhou (龙, 石, 罗, 吴, 杨) among them.
const SURNAMES: [&str; 60] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任",
    "沈", "龙", "石", "姚", "卢", "付", "钟", "汪", "雷", "熊", "陆", "岑",
];

/// Given-name characters.
const GIVEN: [&str; 64] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "萍", "红", "建", "文", "辉", "力", "鹏",
    "宇", "浩", "凯", "婷", "雪", "琳", "欣", "佳", "晨", "俊", "峰", "斌", "波", "云", "飞", "志",
    "海", "兰", "梅", "凤", "丹", "琴", "燕", "蓉", "贵", "黔", "筑", "松", "春", "秋", "林", "成",
];

/// Place-like name prefixes for facilities (road and neighbourhood names of the kind
/// found in Guiyang; a generated facility is named after none in particular).
pub(crate) const PLACES: [&str; 40] = [
    "中山", "延安", "瑞金", "遵义", "宝山", "黔灵", "都司", "富水", "文昌", "博爱", "合群", "公园",
    "大营", "威清", "头桥", "三桥", "二戈", "沙冲", "兴关", "太慈", "油榨", "水口", "六广", "新添",
    "青岩", "甲秀", "阳明", "枣山", "金阳", "小河", "湘雅", "西湖", "东山", "南垭", "盐务", "普陀",
    "龙洞", "见龙", "长坡", "麦架",
];

/// A full name: a surname and one given character (30 %) or two.
pub(crate) fn person(rng: &mut SplitMix64) -> String {
    let mut name = String::from(SURNAMES[rng.below(SURNAMES.len())]);
    if !rng.chance(0.3) {
        name.push_str(GIVEN[rng.below(GIVEN.len())]);
    }
    name.push_str(GIVEN[rng.below(GIVEN.len())]);
    name
}

/// `n` in Chinese numerals as an ordinal is written: 三, 十二, 二十, 一百零五, 一千零一十;
/// 0 and numbers from 10,000 on in Arabic digits (no demo names that many of a kind).
pub(crate) fn numeral(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    const UNITS: [&str; 4] = ["千", "百", "十", ""];
    if n == 0 || n > 9999 {
        return n.to_string();
    }
    if (10..20).contains(&n) {
        // 十, 十一 .. 十九: the leading 一 is dropped
        return format!("十{}", if n == 10 { "" } else { DIGITS[n as usize - 10] });
    }
    let digits = [n / 1000 % 10, n / 100 % 10, n / 10 % 10, n % 10];
    let mut out = String::new();
    let mut zero = false;
    for (d, unit) in digits.into_iter().zip(UNITS) {
        if d == 0 {
            zero = !out.is_empty();
        } else {
            if zero {
                out.push_str(DIGITS[0]);
                zero = false;
            }
            out.push_str(DIGITS[d as usize]);
            out.push_str(unit);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals() {
        let cases = [
            (1, "一"),
            (10, "十"),
            (12, "十二"),
            (20, "二十"),
            (32, "三十二"),
            (100, "一百"),
            (105, "一百零五"),
            (110, "一百一十"),
            (1010, "一千零一十"),
            (1001, "一千零一"),
            (2300, "二千三百"),
            (9999, "九千九百九十九"),
            (10_000, "10000"),
        ];
        for (n, want) in cases {
            assert_eq!(numeral(n), want, "{n}");
        }
    }

    #[test]
    fn people_have_two_or_three_characters() {
        let mut rng = SplitMix64::new(1);
        for _ in 0..1000 {
            let n = person(&mut rng).chars().count();
            assert!((2..=3).contains(&n));
        }
    }
}
